-- Sends the dispatcher a job every 20 ms.
local time = require("time")

local function main()
    local n = 0
    while true do
        local dispatcher = process.registry.lookup("dispatcher")
        if dispatcher then
            n = n + 1
            process.send(dispatcher, "job", n)
        end
        time.sleep("20ms")
    end
end

return { main = main }
