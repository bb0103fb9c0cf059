local function main()
-- Child terminates if parent crashes (unless trap_links is set)
local pid, err = process.spawn_linked("app.test.process:child_worker", "app:processes")
if err then
    return false, "spawn_linked failed: " .. err
end
process.unlink(pid)
process.terminate(pid)
return true
end
return { main = main }
