local function main()
local target_pid = process.spawn("app.test.process:child_worker", "app:processes")
-- Link to existing process
local ok, err = process.link(target_pid)
if err then
    return false, "link failed: " .. err
end

-- Unlink
local ok, err = process.unlink(target_pid)
process.terminate(target_pid)
return ok == true
end
return { main = main }
