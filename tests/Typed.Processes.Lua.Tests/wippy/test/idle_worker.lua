local function main()
  process.listen("stop"):receive()
  return "stopped"
end

return { main = main }
