local function main()
  process.listen("fail"):receive()
  error("failing on purpose")
end

return { main = main }
