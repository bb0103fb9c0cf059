return { eq = function(a, b, what) if a ~= b then error(what, 2) end end }
