return { main = function() process.listen("task") end }
