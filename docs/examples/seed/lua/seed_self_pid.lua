local function main()
local my_pid = process.pid()
-- Returns string PID of current process
return type(my_pid) == "string" and my_pid:sub(1, 1) == "{"
end
return { main = main }
