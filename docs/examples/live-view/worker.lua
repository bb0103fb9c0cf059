-- Squares each number it is given and keeps the last hundred results; ends on CANCEL.
local function main(id)
    local results = {}
    local work = process.listen("work")
    local events = process.events()
    while true do
        local r = channel.select { work:case_receive(), events:case_receive() }
        if r.channel == events then
            if r.value.kind == process.event.CANCEL then return "stopped" end
        else
            local n = r.value
            results[#results % 100 + 1] = string.rep("x", n % 50) .. tostring(n * n)
        end
    end
end

return { main = main }
