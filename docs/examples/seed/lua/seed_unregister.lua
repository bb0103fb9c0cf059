local function main()
local test_name = "unregister_me_" .. tostring(os.time())
process.registry.register(test_name)
-- Unregister explicitly
local unregistered = process.registry.unregister(test_name)
if not unregistered then
    print("Name was not registered")
end

-- Lookup after unregister returns nil + error
local pid, err = process.registry.lookup(test_name)
-- pid will be nil, err will be non-nil
return unregistered == true and pid == nil and err ~= nil
end
return { main = main }
