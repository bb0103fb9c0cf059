local function main(...)
  return 0
end
return { main = main }
