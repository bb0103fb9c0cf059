-- ticker.lua: says hello to the journal, ticks every `period`, and crashes after a few ticks (3 to 6) so that its
-- supervisor restarts it with backoff. A Cancel (the host stopping) ends it normally.
local time = require("time")

local function main(period)
    local events = process.events()
    process.send("journal", "up")
    local crash_at = math.random(3, 6)
    local ticks = 0
    while true do
        local r = channel.select {
            events:case_receive(),
            time.after(period):case_receive(),
        }
        if r.channel == events then
            if r.value.kind == process.event.CANCEL then
                return "stopped after " .. ticks .. " ticks"
            end
        else
            ticks = ticks + 1
            process.send("journal", "tick", ticks)
            if ticks == crash_at then
                error("ticker lost its upstream after " .. ticks .. " ticks")
            end
        end
    end
end

return { main = main }
