local function main(name)
    return "hello " .. name
end

return { main = main }
