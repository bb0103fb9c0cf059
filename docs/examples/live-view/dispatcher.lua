-- Registers as "dispatcher", starts `count` workers (linked and monitored) and hands each job to the next worker.
local function main(count)
    process.registry.register("dispatcher")
    local workers = {}
    for i = 1, count do
        local pid, err = process.spawn_linked_monitored("demo:worker", "demo:processes", i)
        if not pid then error("spawn worker " .. i .. ": " .. err) end
        workers[i] = pid
    end
    local jobs = process.listen("job")
    local events = process.events()
    local next = 1
    while true do
        local r = channel.select { jobs:case_receive(), events:case_receive() }
        if r.channel == jobs then
            process.send(workers[next], "work", r.value)
            next = next % #workers + 1
        elseif r.value.kind == process.event.CANCEL then
            for _, w in ipairs(workers) do process.cancel(w) end
            return "stopped"
        end
    end
end

return { main = main }
