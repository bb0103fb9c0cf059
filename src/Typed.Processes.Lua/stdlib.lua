-- The `time` and `uuid` modules (Wippy's, see docs/lua.md) but time.after and time.sleep (in the prelude), built in
-- a process's own state by the prelude (prelude.lua) the first time the process uses one of them: this chunk more
-- than doubles a state's memory, which most processes never need (stripped of debug information: its errors
-- name the caller's line, never its own). The prelude calls it with what it may use, the
-- library functions as they were before any user code ran (a script that replaced string.format or math.floor changes
-- nothing here); _ENV is nil, so that a free name is an error, never a global lookup.
--
-- Time, Duration and Location objects are empty tables with a locked metatable (getmetatable gives false); their
-- values live in private weak tables of this chunk, so a script can neither read nor change them, and sent in a
-- message they arrive as empty tables (send t:unix_nano() or tostring(d) instead).
local lib = ...
local _ENV = nil
local tp = lib.tp
local error, type, tostring, tonumber, setmetatable, ipairs = lib.error, lib.type, lib.tostring, lib.tonumber, lib.setmetatable, lib.ipairs
local mtype, floor, tointeger, maxint, minint = lib.mathtype, lib.floor, lib.tointeger, lib.maxinteger, lib.mininteger
local sfind, ssub, sformat, slower, sgsub, supper, srep = lib.find, lib.sub, lib.format, lib.lower, lib.gsub, lib.upper, lib.rep
local concat = lib.concat

-- A private map is the running process's own: a weak table in its record (tp.proc(), made at the first write). One
-- table for all the processes of a shared state grew by blocks charged to whichever process rehashed it, so a process
-- holding many objects made another pay for them (and end with "not enough memory"). The objects made while no
-- process runs (time.UTC and time.Local, when the state loads this chunk) are in the map's base.
local proc, WEAK, maps = tp.proc, { __mode = "k" }, 0
local function weak()
  maps = maps + 1
  local key, base = "stdlib_map_" .. maps, setmetatable({}, WEAK)
  return setmetatable({}, {
    __index = function(_, o)
      local v = base[o]
      if v ~= nil then return v end
      local P = proc()
      local m = P and P[key]
      return m and m[o]
    end,
    __newindex = function(_, o, v)
      local P = proc()
      if P == nil then base[o] = v return end
      local m = P[key]
      if m == nil then m = setmetatable({}, WEAK) P[key] = m end
      m[o] = v
    end,
  })
end
-- the private state of a Time, Duration or Location (map: its weak table), or an error `level` frames up
local function private(map, v, what, level)
  local r = type(v) == "table" and map[v]
  if not r then error("expected a " .. what, level + 1) end
  return r
end
-- a new Time, Duration or Location: an empty table with the type's metatable, its state kept in map
local function sealed(map, mt, state)
  local o = setmetatable({}, mt)
  map[o] = state
  return o
end
local function read_only() error("time values are read-only", 2) end

-- durations -----------------------------------------------------------------------------------------------------
local NS, US, MS, SEC, MIN, HOUR = 1, 1000, 1000000, 1000000000, 60000000000, 3600000000000
local units = { ns = NS, us = US, ["µs"] = US, ["μs"] = US, ms = MS, s = SEC, m = MIN, h = HOUR }

-- Go's duration syntax, exactly (integer nanoseconds): a sign, then number+unit pairs ("1h30m", "1.5s", "-2ms").
local function parse_ns(s)
  local function invalid() return nil, 'time: invalid duration "' .. s .. '"' end
  local i, n, neg = 1, #s, false
  local c = ssub(s, 1, 1)
  if c == "-" or c == "+" then neg, i = c == "-", 2 end
  if ssub(s, i) == "0" then return 0 end
  if i > n then return invalid() end
  local total = 0
  while i <= n do
    local _, b = sfind(s, "^%d*", i)
    local int = ssub(s, i, b)
    i = b + 1
    local frac = ""
    if ssub(s, i, i) == "." then
      _, b = sfind(s, "^%d*", i + 1)
      frac = ssub(s, i + 1, b)
      i = b + 1
    end
    if int == "" and frac == "" then return invalid() end
    _, b = sfind(s, "^[^%d%.]*", i)
    local unit = ssub(s, i, b)
    i = b + 1
    if unit == "" then return nil, 'time: missing unit in duration "' .. s .. '"' end
    local scale = units[unit]
    if scale == nil then return nil, 'time: unknown unit "' .. unit .. '" in duration "' .. s .. '"' end
    local v = int == "" and 0 or tonumber(int)
    if mtype(v) ~= "integer" or v > maxint // scale then return invalid() end
    v = v * scale
    if frac ~= "" then
      frac = ssub(frac, 1, 18)
      v = v + floor(tonumber(frac) * (scale / 10 ^ #frac))
    end
    if v > maxint - total then return invalid() end
    total = total + v
  end
  return neg and -total or total
end

local dur_ns = weak()
local Duration = { __name = "time.Duration", __metatable = false, __newindex = read_only }
local DurationMethods = {}
Duration.__index = DurationMethods
local function duration(ns) return sealed(dur_ns, Duration, ns) end

-- A duration argument: an integer (nanoseconds, Wippy), a float (truncated to whole nanoseconds), a Go duration
-- string or a Duration. Returns nanoseconds, or nil and the error.
local function to_ns(v)
  local t = type(v)
  if t == "number" then
    if mtype(v) == "integer" then return v end
    if v ~= v or v >= 2 ^ 63 or v < -2 ^ 63 then return nil, "invalid duration " .. tostring(v) end
    return tointeger(v < 0 and -floor(-v) or floor(v))
  elseif t == "string" then
    return parse_ns(v)
  elseif t == "table" and dur_ns[v] then
    return dur_ns[v]
  end
  return nil, "invalid duration: expected nanoseconds, a string like \"100ms\" or a Duration, got " .. t
end

local function check_duration(v, level)
  local ns, err = to_ns(v)
  if ns == nil then error(err, level + 1) end
  return ns
end

local function tquo(a, b) -- a / b truncated toward zero (b > 0), as Go's integer division
  local q = a // b
  if a < 0 and q * b ~= a then q = q + 1 end
  return q
end

-- v >= 0 as "int.frac" with `prec` fraction digits, trailing zeros dropped (Go's Duration.String)
local pow10 = { [3] = 1000, [6] = 1000000, [9] = 1000000000 }
local function fixed(v, prec)
  local p = pow10[prec]
  local ip, fp = v // p, v % p
  if fp == 0 then return tostring(ip) end
  return ip .. "." .. sgsub(sformat("%0" .. prec .. "d", fp), "0+$", "")
end

local function duration_string(d)
  if d == 0 then return "0s" end
  if d == minint then return "-2562047h47m16.854775808s" end
  local u = d < 0 and -d or d
  local s
  if u < US then s = u .. "ns"
  elseif u < MS then s = fixed(u, 3) .. "µs"
  elseif u < SEC then s = fixed(u, 6) .. "ms"
  else
    local h, m = u // HOUR, u % HOUR // MIN
    s = fixed(u % MIN, 9) .. "s"
    if h > 0 then s = h .. "h" .. m .. "m" .. s elseif m > 0 then s = m .. "m" .. s end
  end
  return d < 0 and "-" .. s or s
end

local function dur_of(d) return private(dur_ns, d, "time.Duration", 3) end
function DurationMethods.nanoseconds(d) return dur_of(d) end
function DurationMethods.microseconds(d) return tquo(dur_of(d), US) end
function DurationMethods.milliseconds(d) return tquo(dur_of(d), MS) end
local function float_of(ns, unit)
  local q = tquo(ns, unit)
  return q + (ns - q * unit) / unit
end
function DurationMethods.seconds(d) return float_of(dur_of(d), SEC) end
function DurationMethods.minutes(d) return float_of(dur_of(d), MIN) end
function DurationMethods.hours(d) return float_of(dur_of(d), HOUR) end
Duration.__tostring = function(d) return duration_string(dur_of(d)) end
Duration.__eq = function(a, b) return dur_ns[a] ~= nil and dur_ns[a] == dur_ns[b] end
-- < and <= also compare a Duration with a number of nanoseconds
Duration.__lt = function(a, b) return check_duration(a, 1) < check_duration(b, 1) end
Duration.__le = function(a, b) return check_duration(a, 1) <= check_duration(b, 1) end

-- locations -----------------------------------------------------------------------------------------------------
local loc_data = weak() -- location -> { name = , offset = (fixed) | zone = (IANA id; nil: the machine's) }
local Location = { __name = "time.Location", __metatable = false, __newindex = read_only }
local function loc_name(l) return private(loc_data, l, "time.Location", 2).name end
Location.__index = { string = loc_name }
Location.__tostring = loc_name
local function location(ld) return sealed(loc_data, Location, ld) end
local utc = location({ name = "UTC", offset = 0 })
local localtz = location({ name = "Local" })

local function offset_at(l, sec)
  local ld = loc_data[l]
  return ld.offset or tp.zone_offset(ld.zone, sec) or 0
end

-- Go's numeric zone form ("-0700", with ":" and seconds as the layout asks)
local function numeric_zone(off, colon, with_minutes, with_seconds)
  local sign = off < 0 and "-" or "+"
  off = off < 0 and -off or off
  local s = sign .. sformat("%02d", off // 3600)
  if with_minutes then s = s .. colon .. sformat("%02d", off % 3600 // 60) end
  if with_seconds then s = s .. colon .. sformat("%02d", off % 60) end
  return s
end

-- The zone's abbreviation: a fixed zone's name; "UTC" at offset 0; else (the host gives no abbreviations) Go's
-- numeric form, as Go prints a zone without a name.
local function zone_abbr(l, off)
  local ld = loc_data[l]
  if ld.offset and ld.name ~= "" then return ld.name end
  if off == 0 then return "UTC" end
  return numeric_zone(off, "", true, false)
end

-- civil dates (proleptic Gregorian, days since 1970-01-01) -------------------------------------------------------
local function civil(days)
  days = days + 719468
  local era = days // 146097
  local doe = days - era * 146097
  local yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
  local doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
  local mp = (5 * doy + 2) // 153
  local d = doy - (153 * mp + 2) // 5 + 1
  local m = mp < 10 and mp + 3 or mp - 9
  local y = yoe + era * 400
  if m <= 2 then y = y + 1 end
  return y, m, d
end

local function days_from_civil(y, m, d) -- m may be out of 1..12 and d out of its month: normalized as Go does
  y = y + (m - 1) // 12
  m = (m - 1) % 12 + 1
  if m <= 2 then y = y - 1 end
  local era = y // 400
  local yoe = y - era * 400
  local doy = (153 * ((m + 9) % 12) + 2) // 5
  return era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468 + (d - 1)
end

local function days_in(m, y)
  if m == 2 then return (y % 4 == 0 and (y % 100 ~= 0 or y % 400 == 0)) and 29 or 28 end
  return (m == 4 or m == 6 or m == 9 or m == 11) and 30 or 31
end

-- time values ---------------------------------------------------------------------------------------------------
local ZERO_SEC = -62135596800 -- Go's zero time, January 1, year 1, 00:00:00 UTC
local T = weak() -- time -> { sec (Unix), nsec (0..999999999), location }
local Time = { __name = "time.Time", __metatable = false, __newindex = read_only }
local TimeMethods = {}
Time.__index = TimeMethods

local function mktime(sec, nsec, loc)
  return sealed(T, Time, { sec + nsec // SEC, nsec % SEC, loc })
end

local function rec(t) return private(T, t, "time.Time", 3) end

-- Unix seconds of a wall clock (seconds since 1970-01-01 00:00 read as UTC) in location l
local function from_local(l, wall)
  local off = offset_at(l, wall)
  local sec = wall - off
  local off2 = offset_at(l, sec)
  if off2 ~= off then sec = wall - off2 end
  return sec
end

local function fields(r) -- year, month, day, hour, minute, second, offset, days since 1970 (local)
  local off = offset_at(r[3], r[1])
  local ls = r[1] + off
  local days, sod = ls // 86400, ls % 86400
  local y, m, d = civil(days)
  return y, m, d, sod // 3600, sod % 3600 // 60, sod % 60, off, days
end

local function check_location(l, level)
  if l == nil then return localtz end
  if type(l) ~= "table" or not loc_data[l] then error("expected a time.Location", level + 1) end
  return l
end

local function int_arg(v, i, level)
  local n = tointeger(v)
  if n == nil then error("bad argument #" .. i .. " (integer expected, got " .. type(v) .. ")", level + 1) end
  return n
end

local function date(y, mo, d, h, mi, s, ns, loc)
  local days = days_from_civil(y, mo, d)
  local wall = days * 86400 + h * 3600 + mi * 60 + s + ns // SEC
  return mktime(from_local(loc, wall), ns % SEC, loc)
end

local month_names = { "January", "February", "March", "April", "May", "June", "July", "August", "September",
  "October", "November", "December" }
local day_names = { "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday" }

-- Go layouts: the std chunk at position j of the layout: its name, length and (fractions) digit count
local zone_forms = { "070000", "07:00:00", "0700", "07:00", "07" }
local function is_lower(c) return c ~= "" and c >= "a" and c <= "z" end
local function is_digit(c) return c ~= "" and c >= "0" and c <= "9" end
local function std_at(l, j)
  local c = ssub(l, j, j)
  if c == "J" then
    if ssub(l, j, j + 6) == "January" then return "January", 7 end
    if ssub(l, j, j + 2) == "Jan" and not is_lower(ssub(l, j + 3, j + 3)) then return "Jan", 3 end
  elseif c == "M" then
    if ssub(l, j, j + 5) == "Monday" then return "Monday", 6 end
    if ssub(l, j, j + 2) == "Mon" and not is_lower(ssub(l, j + 3, j + 3)) then return "Mon", 3 end
    if ssub(l, j, j + 2) == "MST" then return "MST", 3 end
  elseif c == "0" then
    local d = ssub(l, j + 1, j + 1)
    if d ~= "" and d >= "1" and d <= "6" then return "0" .. d, 2 end
    if ssub(l, j + 1, j + 2) == "02" then return "002", 3 end
  elseif c == "1" then
    if ssub(l, j + 1, j + 1) == "5" then return "15", 2 end
    return "1", 1
  elseif c == "2" then
    if ssub(l, j, j + 3) == "2006" then return "2006", 4 end
    return "2", 1
  elseif c == "_" then
    if ssub(l, j + 1, j + 1) == "2" and ssub(l, j + 1, j + 4) ~= "2006" then return "_2", 2 end
    if ssub(l, j + 1, j + 2) == "_2" then return "__2", 3 end
  elseif c == "3" or c == "4" or c == "5" then
    return c, 1
  elseif c == "P" then
    if ssub(l, j + 1, j + 1) == "M" then return "PM", 2 end
  elseif c == "p" then
    if ssub(l, j + 1, j + 1) == "m" then return "pm", 2 end
  elseif c == "-" or c == "Z" then
    for _, z in ipairs(zone_forms) do
      if ssub(l, j + 1, j + #z) == z then return c .. z, #z + 1 end
    end
  elseif c == "." or c == "," then
    local d = ssub(l, j + 1, j + 1)
    if d == "0" or d == "9" then
      local k = j + 1
      while ssub(l, k, k) == d do k = k + 1 end
      if not is_digit(ssub(l, k, k)) then return d == "0" and "frac0" or "frac9", k - j, k - j - 1 end
    end
  end
end

local function format(r, layout)
  local y, mo, d, h, mi, s, off, days = fields(r)
  local h12 = h % 12 == 0 and 12 or h % 12
  local yday = days - days_from_civil(y, 1, 1) + 1
  local out, i, j, n = {}, 1, 1, #layout
  while j <= n do
    local tok, len, digits = std_at(layout, j)
    if tok == nil then
      j = j + 1
    else
      if j > i then out[#out + 1] = ssub(layout, i, j - 1) end
      local v
      if tok == "2006" then v = sformat("%04d", y)
      elseif tok == "06" then v = sformat("%02d", y % 100)
      elseif tok == "January" then v = month_names[mo]
      elseif tok == "Jan" then v = ssub(month_names[mo], 1, 3)
      elseif tok == "1" then v = tostring(mo)
      elseif tok == "01" then v = sformat("%02d", mo)
      elseif tok == "Monday" then v = day_names[(days + 4) % 7 + 1]
      elseif tok == "Mon" then v = ssub(day_names[(days + 4) % 7 + 1], 1, 3)
      elseif tok == "2" then v = tostring(d)
      elseif tok == "02" then v = sformat("%02d", d)
      elseif tok == "_2" then v = sformat("%2d", d)
      elseif tok == "002" then v = sformat("%03d", yday)
      elseif tok == "__2" then v = sformat("%3d", yday)
      elseif tok == "15" then v = sformat("%02d", h)
      elseif tok == "3" then v = tostring(h12)
      elseif tok == "03" then v = sformat("%02d", h12)
      elseif tok == "4" then v = tostring(mi)
      elseif tok == "04" then v = sformat("%02d", mi)
      elseif tok == "5" then v = tostring(s)
      elseif tok == "05" then v = sformat("%02d", s)
      elseif tok == "PM" then v = h >= 12 and "PM" or "AM"
      elseif tok == "pm" then v = h >= 12 and "pm" or "am"
      elseif tok == "MST" then v = zone_abbr(r[3], off)
      elseif tok == "frac0" or tok == "frac9" then
        v = ssub(sformat("%09d", r[2]), 1, digits)
        if tok == "frac9" then v = sgsub(v, "0+$", "") end
        if v ~= "" then v = ssub(layout, j, j) .. v end
      else -- zones: -0700, Z07:00, ...
        local form = ssub(tok, 2)
        if ssub(tok, 1, 1) == "Z" and off == 0 then v = "Z"
        else v = numeric_zone(off, sfind(form, ":", 1, true) and ":" or "", #form > 2, #form > 5) end
      end
      out[#out + 1] = v
      j = j + len
      i = j
    end
  end
  if i <= n then out[#out + 1] = ssub(layout, i) end
  return concat(out)
end

-- parsing with a Go layout --------------------------------------------------------------------------------------
local function lookup_name(names, value, short)
  for k, name in ipairs(names) do
    if short then name = ssub(name, 1, 3) end
    if slower(ssub(value, 1, #name)) == slower(name) then return k, #name end
  end
end

local function parse(layout, value, loc)
  local function bad(rest, elem)
    return nil, 'parsing time "' .. value .. '" as "' .. layout .. '": cannot parse "' .. rest .. '" as "' .. elem .. '"'
  end
  local y, mo, d, h, mi, s, ns, yday = 0, 1, 1, 0, 0, 0, 0, nil
  local pm, am, z, zoff, zname
  local v, i, j, n = value, 1, 1, #layout
  local function num(min, max, fixed)
    local a, b = sfind(v, "^%d+")
    if a == nil then return nil end
    if b - a + 1 < min then return nil end
    if fixed and b - a + 1 > min then b = a + min - 1 end
    if b - a + 1 > max then b = a + max - 1 end
    local x = tonumber(ssub(v, a, b))
    v = ssub(v, b + 1)
    return x
  end
  local function fraction(count)
    local digits = ssub(v, 2, 1 + count)
    v = ssub(v, 2 + count)
    return tonumber(ssub(digits .. "000000000", 1, 9))
  end
  while j <= n + 1 do
    local tok, len, digits
    if j <= n then tok, len, digits = std_at(layout, j) end
    if tok ~= nil or j > n then
      local lit = ssub(layout, i, j - 1)
      if ssub(v, 1, #lit) ~= lit then return bad(v, lit) end
      v = ssub(v, #lit + 1)
      if j > n then break end
      local before, x = v, nil
      if tok == "2006" then
        if not sfind(v, "^%d%d%d%d") then return bad(v, tok) end
        y = num(4, 4, true)
      elseif tok == "06" then
        x = num(2, 2, true)
        if x == nil then return bad(v, tok) end
        y = x >= 69 and 1900 + x or 2000 + x
      elseif tok == "January" or tok == "Jan" then
        x, len = lookup_name(month_names, v, tok == "Jan")
        if x == nil then return bad(v, tok) end
        mo, v = x, ssub(v, len + 1)
      elseif tok == "Monday" or tok == "Mon" then
        x, len = lookup_name(day_names, v, tok == "Mon")
        if x == nil then return bad(v, tok) end
        v = ssub(v, len + 1)
      elseif tok == "1" or tok == "01" then
        mo = num(tok == "01" and 2 or 1, 2, tok == "01")
        if mo == nil or mo < 1 or mo > 12 then return bad(before, tok) end
      elseif tok == "2" or tok == "02" or tok == "_2" then
        if tok == "_2" and ssub(v, 1, 1) == " " then v = ssub(v, 2) end
        d = num(tok == "02" and 2 or 1, 2, tok == "02")
        if d == nil then return bad(before, tok) end
      elseif tok == "002" or tok == "__2" then
        if tok == "__2" then v = sgsub(v, "^ +", "") end
        yday = num(tok == "002" and 3 or 1, 3, tok == "002")
        if yday == nil or yday < 1 or yday > 366 then return bad(before, tok) end
      elseif tok == "15" then
        h = num(1, 2)
        if h == nil or h > 23 then return bad(before, tok) end
      elseif tok == "3" or tok == "03" then
        h = num(tok == "03" and 2 or 1, 2, tok == "03")
        if h == nil or h > 12 then return bad(before, tok) end
      elseif tok == "4" or tok == "04" then
        mi = num(tok == "04" and 2 or 1, 2, tok == "04")
        if mi == nil or mi > 59 then return bad(before, tok) end
      elseif tok == "5" or tok == "05" then
        s = num(tok == "05" and 2 or 1, 2, tok == "05")
        if s == nil or s > 59 then return bad(before, tok) end
        -- a fraction in the value that the layout does not spell: Go takes it
        local nexttok = std_at(layout, j + len)
        if sfind(v, "^[.,]%d") and nexttok ~= "frac0" and nexttok ~= "frac9" then
          local _, b = sfind(v, "^[.,]%d+")
          ns = fraction(b - 1)
        end
      elseif tok == "PM" or tok == "pm" then
        local p = ssub(v, 1, 2)
        if p == (tok == "PM" and "PM" or "pm") then pm = true
        elseif p == (tok == "PM" and "AM" or "am") then am = true
        else return bad(v, tok) end
        v = ssub(v, 3)
      elseif tok == "MST" then
        local a, b = sfind(v, "^%u%u%u%u?%u?")
        if ssub(v, 1, 3) == "GMT" then
          local _, b2 = sfind(v, "^GMT[+-]%d%d?")
          if b2 then zoff, b = tonumber(ssub(v, 4, b2)) * 3600, b2 else zoff, b = 0, 3 end
          a = 1
        end
        if a == nil then return bad(v, tok) end
        zname, v = ssub(v, 1, b), ssub(v, b + 1)
      elseif tok == "frac0" then
        if not sfind(v, "^[.,]" .. srep("%d", digits)) then return bad(v, tok) end
        ns = fraction(digits)
      elseif tok == "frac9" then
        if sfind(v, "^[.,]%d") then
          local _, b = sfind(v, "^[.,]%d+")
          ns = fraction(b - 1)
        end
      else -- zones
        if ssub(tok, 1, 1) == "Z" and ssub(v, 1, 1) == "Z" then
          z, v = true, ssub(v, 2)
        else
          local form = ssub(tok, 2)
          local pat = sgsub(form, "%d", "%%d")
          local a, b = sfind(v, "^[+-]" .. pat)
          if a == nil then return bad(v, tok) end
          local digits_only = sgsub(ssub(v, 2, b), ":", "")
          local hh, mm, ss = tonumber(ssub(digits_only, 1, 2)), tonumber(ssub(digits_only, 3, 4)) or 0, tonumber(ssub(digits_only, 5, 6)) or 0
          zoff = (hh * 3600 + mm * 60 + ss) * (ssub(v, 1, 1) == "-" and -1 or 1)
          v = ssub(v, b + 1)
        end
      end
      j = j + len
      i = j
    else
      j = j + 1
    end
  end
  if v ~= "" then return nil, 'parsing time "' .. value .. '": extra text: "' .. v .. '"' end
  if pm and h < 12 then h = h + 12 elseif am and h == 12 then h = 0 end
  if yday then
    local days0 = days_from_civil(y, 1, 1) + yday - 1
    local y2
    y2, mo, d = civil(days0)
    if y2 ~= y then return nil, 'parsing time "' .. value .. '": day-of-year out of range' end
  elseif d < 1 or d > days_in(mo, y) then
    return nil, 'parsing time "' .. value .. '": day out of range'
  end
  local wall = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s
  if z then return mktime(wall, ns, utc) end
  if zoff ~= nil and zname == nil then
    local sec = wall - zoff
    if offset_at(loc, sec) == zoff then return mktime(sec, ns, loc) end
    return mktime(sec, ns, location({ name = "", offset = zoff }))
  end
  if zname ~= nil then
    if zname == "UTC" then return mktime(wall, ns, utc) end
    local sec = from_local(loc, wall)
    if zone_abbr(loc, offset_at(loc, sec)) == zname then return mktime(sec, ns, loc) end
    zoff = zoff or 0
    return mktime(wall - zoff, ns, location({ name = zname, offset = zoff }))
  end
  return mktime(from_local(loc, wall), ns, loc)
end

-- Time methods --------------------------------------------------------------------------------------------------
local function add_ns(r, ns) return mktime(r[1] + ns // SEC, r[2] + ns % SEC, r[3]) end
function TimeMethods.add(t, d) return add_ns(rec(t), check_duration(d, 2)) end
function TimeMethods.sub(t, u)
  local a, b = rec(t), rec(u)
  local ds = a[1] - b[1]
  if ds > maxint // SEC - 1 then return duration(maxint) end
  if ds < minint // SEC + 1 then return duration(minint) end
  return duration(ds * SEC + (a[2] - b[2]))
end
function TimeMethods.add_date(t, years, months, days)
  local r = rec(t)
  local y, mo, d, h, mi, s = fields(r)
  return date(y + int_arg(years, 1, 2), mo + int_arg(months, 2, 2), d + int_arg(days, 3, 2), h, mi, s, r[2], r[3])
end
local function cmp(t, u)
  local a, b = rec(t), rec(u)
  if a[1] ~= b[1] then return a[1] < b[1] and -1 or 1 end
  if a[2] ~= b[2] then return a[2] < b[2] and -1 or 1 end
  return 0
end
function TimeMethods.after(t, u) return cmp(t, u) > 0 end
function TimeMethods.before(t, u) return cmp(t, u) < 0 end
function TimeMethods.equal(t, u) return cmp(t, u) == 0 end
Time.__eq = function(t, u) return T[t] ~= nil and T[u] ~= nil and cmp(t, u) == 0 end
Time.__lt = function(t, u) return cmp(t, u) < 0 end
Time.__le = function(t, u) return cmp(t, u) <= 0 end
function TimeMethods.format(t, layout)
  if type(layout) ~= "string" then error("bad argument #1 to 'format' (string expected, got " .. type(layout) .. ")", 2) end
  return format(rec(t), layout)
end
local RFC3339, RFC3339NANO = "2006-01-02T15:04:05Z07:00", "2006-01-02T15:04:05.999999999Z07:00"
function TimeMethods.format_rfc3339(t) return format(rec(t), RFC3339) end
Time.__tostring = function(t) return format(rec(t), "2006-01-02 15:04:05.999999999 -0700 MST") end
function TimeMethods.unix(t) return rec(t)[1] end
function TimeMethods.unix_nano(t) local r = rec(t) return r[1] * SEC + r[2] end
function TimeMethods.date(t) local y, m, d = fields(rec(t)) return y, m, d end
function TimeMethods.clock(t) local _, _, _, h, mi, s = fields(rec(t)) return h, mi, s end
function TimeMethods.year(t) return (fields(rec(t))) end
function TimeMethods.month(t) local _, m = fields(rec(t)) return m end
function TimeMethods.day(t) local _, _, d = fields(rec(t)) return d end
function TimeMethods.hour(t) local _, _, _, h = fields(rec(t)) return h end
function TimeMethods.minute(t) local _, _, _, _, mi = fields(rec(t)) return mi end
function TimeMethods.second(t) local _, _, _, _, _, s = fields(rec(t)) return s end
function TimeMethods.nanosecond(t) return rec(t)[2] end
function TimeMethods.weekday(t) local _, _, _, _, _, _, _, days = fields(rec(t)) return (days + 4) % 7 end
function TimeMethods.year_day(t)
  local y, _, _, _, _, _, _, days = fields(rec(t))
  return days - days_from_civil(y, 1, 1) + 1
end
function TimeMethods.is_zero(t) local r = rec(t) return r[1] == ZERO_SEC and r[2] == 0 end
function TimeMethods.location(t) return rec(t)[3] end
function TimeMethods.utc(t) local r = rec(t) return mktime(r[1], r[2], utc) end
function TimeMethods.in_local(t) local r = rec(t) return mktime(r[1], r[2], localtz) end
function TimeMethods.in_location(t, l)
  local r = rec(t)
  if type(l) ~= "table" or not loc_data[l] then error("bad argument #1 to 'in_location' (time.Location expected)", 2) end
  return mktime(r[1], r[2], l)
end

-- (a * b) % m without overflow, for 0 <= a, b < m
local function mulmod(a, b, m)
  local r = 0
  a = a % m
  while b > 0 do
    if b & 1 == 1 then r = (r - m + a) % m end -- r + a, without overflow (both < m)
    a = (a - m + a) % m
    b = b >> 1
  end
  return r
end
-- the time since Go's zero time, modulo d (Go's Round and Truncate count from there, not from 1970)
local function since_zero_mod(r, d)
  local a = r[1] - ZERO_SEC
  return (mulmod(a % d, SEC % d, d) - d + r[2] % d) % d
end
function TimeMethods.truncate(t, d)
  local r = rec(t)
  d = check_duration(d, 2)
  if d <= 0 then return mktime(r[1], r[2], r[3]) end
  return add_ns(r, -since_zero_mod(r, d))
end
function TimeMethods.round(t, d)
  local r = rec(t)
  d = check_duration(d, 2)
  if d <= 0 then return mktime(r[1], r[2], r[3]) end
  local m = since_zero_mod(r, d)
  if m < d - m then return add_ns(r, -m) end
  return add_ns(r, d - m)
end

-- the module ----------------------------------------------------------------------------------------------------
local time = {
  NANOSECOND = NS, MICROSECOND = US, MILLISECOND = MS, SECOND = SEC, MINUTE = MIN, HOUR = HOUR,
  RFC3339 = RFC3339, RFC3339NANO = RFC3339NANO, RFC822 = "02 Jan 06 15:04 MST", RFC822Z = "02 Jan 06 15:04 -0700",
  RFC850 = "Monday, 02-Jan-06 15:04:05 MST", RFC1123 = "Mon, 02 Jan 2006 15:04:05 MST",
  RFC1123Z = "Mon, 02 Jan 2006 15:04:05 -0700", KITCHEN = "3:04PM", STAMP = "Jan _2 15:04:05",
  STAMP_MILLI = "Jan _2 15:04:05.000", STAMP_MICRO = "Jan _2 15:04:05.000000", STAMP_NANO = "Jan _2 15:04:05.000000000",
  DATE_TIME = "2006-01-02 15:04:05", DATE_ONLY = "2006-01-02", TIME_ONLY = "15:04:05",
  SUNDAY = 0, MONDAY = 1, TUESDAY = 2, WEDNESDAY = 3, THURSDAY = 4, FRIDAY = 5, SATURDAY = 6,
  utc = utc, localtz = localtz,
}
for k, name in ipairs(month_names) do time[supper(name)] = k end

-- what time.after's channel received (Unix seconds, a float of millisecond precision, from C#) as a Time
local function timer_value(v)
  local sec = floor(v)
  return mktime(tointeger(sec), tointeger(floor((v - sec) * 1000 + 0.5)) * MS, localtz)
end

function time.now()
  local sec, nsec = tp.now()
  return mktime(sec, nsec, localtz)
end
function time.unix(sec, nsec)
  return mktime(int_arg(sec, 1, 2), int_arg(nsec or 0, 2, 2), localtz)
end
function time.date(y, mo, d, h, mi, s, ns, loc)
  return date(int_arg(y, 1, 2), int_arg(mo, 2, 2), int_arg(d, 3, 2), int_arg(h or 0, 4, 2), int_arg(mi or 0, 5, 2),
    int_arg(s or 0, 6, 2), int_arg(ns or 0, 7, 2), check_location(loc, 2))
end
function time.parse(layout, value, loc)
  if type(layout) ~= "string" or type(value) ~= "string" then return nil, "time.parse: layout and value must be strings" end
  return parse(layout, value, check_location(loc, 2))
end
function time.parse_duration(v)
  local ns, err = to_ns(v)
  if ns == nil then return nil, err end
  return duration(ns)
end
function time.fixed_zone(name, offset)
  if type(name) ~= "string" then error("bad argument #1 to 'fixed_zone' (string expected, got " .. type(name) .. ")", 2) end
  return location({ name = name, offset = int_arg(offset, 2, 2) })
end
function time.load_location(name)
  if type(name) ~= "string" or name == "" then return nil, "time.load_location: name must be a non-empty string" end
  if name == "UTC" then return utc end
  if name == "Local" then return localtz end
  local off, err = tp.zone_offset(name, 0)
  if off == nil then return nil, err end
  return location({ name = name, zone = name })
end

-- uuid ----------------------------------------------------------------------------------------------------------
-- The 32 hex digits (lower case) of a UUID in any form Go's uuid.Parse takes: standard, {braced}, urn:uuid:, bare
local function uuid_hex(s)
  if type(s) ~= "string" then return nil end
  local n = #s
  if n == 45 then
    if slower(ssub(s, 1, 9)) ~= "urn:uuid:" then return nil end
    s, n = ssub(s, 10), 36
  elseif n == 38 then
    if ssub(s, 1, 1) ~= "{" or ssub(s, 38) ~= "}" then return nil end
    s, n = ssub(s, 2, 37), 36
  end
  if n == 36 then
    if not sfind(s, "^%x%x%x%x%x%x%x%x%-%x%x%x%x%-%x%x%x%x%-%x%x%x%x%-%x%x%x%x%x%x%x%x%x%x%x%x$") then return nil end
    return slower((sgsub(s, "%-", "")))
  elseif n == 32 and sfind(s, "^%x+$") then
    return slower(s)
  end
end

local function dashed(h)
  return ssub(h, 1, 8) .. "-" .. ssub(h, 9, 12) .. "-" .. ssub(h, 13, 16) .. "-" .. ssub(h, 17, 20) .. "-" .. ssub(h, 21)
end

local function variant_of(h)
  local b = tonumber(ssub(h, 17, 18), 16)
  if b & 0xc0 == 0x80 then return "RFC4122" end
  if b & 0xe0 == 0xc0 then return "Microsoft" end
  if b & 0xe0 == 0xe0 then return "Future" end
  return "Reserved"
end

local uuid = {}
function uuid.v1() return tp.uuid("v1") end
function uuid.v4() return tp.uuid("v4") end
function uuid.v7() return tp.uuid("v7") end
local function hashed(kind, namespace, name)
  if type(namespace) ~= "string" or type(name) ~= "string" then return nil, "namespace and name must be strings" end
  local h = uuid_hex(namespace)
  if h == nil then return nil, "invalid namespace UUID" end
  return tp.uuid(kind, h, name)
end
function uuid.v3(namespace, name) return hashed("v3", namespace, name) end
function uuid.v5(namespace, name) return hashed("v5", namespace, name) end
function uuid.validate(s) return uuid_hex(s) ~= nil end
local function checked(s)
  if type(s) ~= "string" then return nil, "input must be a string" end
  local h = uuid_hex(s)
  if h == nil then return nil, "invalid UUID format" end
  return h
end
function uuid.version(s)
  local h, err = checked(s)
  if h == nil then return nil, err end
  return tonumber(ssub(h, 13, 13), 16)
end
function uuid.variant(s)
  local h, err = checked(s)
  if h == nil then return nil, err end
  return variant_of(h)
end
function uuid.parse(s)
  local h, err = checked(s)
  if h == nil then return nil, err end
  local version = tonumber(ssub(h, 13, 13), 16)
  local info = { version = version, variant = variant_of(h) }
  if version == 1 then
    -- 100 ns intervals since 1582-10-15: time_hi (12 bits), time_mid, time_low
    local ts = (tonumber(ssub(h, 14, 16), 16) << 48) | (tonumber(ssub(h, 9, 12), 16) << 32) | tonumber(ssub(h, 1, 8), 16)
    info.timestamp = (ts - 0x01B21DD213814000) // 10000000
    info.node = ssub(h, 21)
  elseif version == 7 then
    info.timestamp = tonumber(ssub(h, 1, 12), 16) // 1000
  end
  return info
end
function uuid.format(s, form)
  local h, err = checked(s)
  if h == nil then return nil, err end
  if form == nil or form == "standard" then return dashed(h) end
  if form == "simple" then return h end
  if form == "urn" then return "urn:uuid:" .. dashed(h) end
  return nil, "unsupported format"
end

-- supervisor ------------------------------------------------------------------------------------------------------
-- Our extension (docs/supervision.md): calls to a supervisor process (a process.supervisor entry, spawned or started as
-- a service or a child) about its children; each returns its result, or nil, err. lib.call is process.call as it was
-- before any user code ran.
local supervisor = {}
local function sup_call(sup, req, timeout)
  local r, err = lib.call(sup, "typed.supervisor", req, timeout or "60s")
  if r == nil then return nil, err end
  -- a process that is no supervisor may answer on that topic: an error, not an index error (or a silent nil)
  if type(r) ~= "table" then return nil, "not a supervisor's answer (a " .. type(r) .. ")" end
  if r.error ~= nil then return nil, r.error end
  return r
end
function supervisor.start_child(sup, child, timeout)
  if type(child) ~= "table" then return nil, "start_child: the child specification must be a table" end
  local r, err = sup_call(sup, { op = "start_child", child = child }, timeout)
  if r == nil then return nil, err end
  return r.pid
end
function supervisor.restart_child(sup, id, timeout)
  local r, err = sup_call(sup, { op = "restart_child", id = id }, timeout)
  if r == nil then return nil, err end
  return r.pid
end
function supervisor.terminate_child(sup, id, timeout)
  local r, err = sup_call(sup, { op = "terminate_child", id = id }, timeout)
  if r == nil then return nil, err end
  return true
end
function supervisor.delete_child(sup, id, timeout)
  local r, err = sup_call(sup, { op = "delete_child", id = id }, timeout)
  if r == nil then return nil, err end
  return true
end
function supervisor.which_children(sup, timeout)
  local r, err = sup_call(sup, { op = "which_children" }, timeout)
  if r == nil then return nil, err end
  return r.children or {}
end
function supervisor.count_children(sup, timeout)
  local children, err = supervisor.which_children(sup, timeout)
  if children == nil then return nil, err end
  local c = { specs = 0, active = 0, supervisors = 0, workers = 0 }
  for _, child in ipairs(children) do
    c.specs = c.specs + 1
    if child.pid ~= nil then c.active = c.active + 1 end
    if child.supervisor then c.supervisors = c.supervisors + 1 else c.workers = c.workers + 1 end
  end
  return c
end

return time, uuid, timer_value, to_ns, supervisor
