-- Squares each number it is given and keeps the last hundred results.
local function main(id)
    local results = {}
    local work = process.listen("work")
    while true do
        local n = work:receive()
        results[#results % 100 + 1] = string.rep("x", n % 50) .. tostring(n * n)
    end
end

return { main = main }
