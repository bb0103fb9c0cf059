-- Sends the dispatcher a job every 20 ms; ends on CANCEL.
local time = require("time")

local function main()
    local events = process.events()
    local n = 0
    while true do
        local dispatcher = process.registry.lookup("dispatcher")
        if dispatcher then
            n = n + 1
            process.send(dispatcher, "job", n)
        end
        local r = channel.select { events:case_receive(), time.after("20ms"):case_receive() }
        if r.channel == events and r.value.kind == process.event.CANCEL then return "stopped" end
    end
end

return { main = main }
