local function main()
local worker_pid = process.spawn_monitored("app.test.process:messages_worker", "app:processes")
-- Send to process by PID
local sent, err = process.send(worker_pid, "messages", "hello from parent")
if err then
    return false, "send failed: " .. err
end

-- send returns (bool, error)
local event = process.events():receive()
return sent == true and event.result == true
end
return { main = main }
