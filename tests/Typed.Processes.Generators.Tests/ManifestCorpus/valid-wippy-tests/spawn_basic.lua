local assert = require("assert2")
local function main() assert.eq(1, 1, "one") return true end
return { main = main }
