using System.Diagnostics;
using System.Text;
using Xunit;

namespace Typed.Processes.Lua.Tests;

/// <summary>
/// Wippy's type annotations are stripped before Lua 5.4 compiles a source (<see cref="TypeAnnotations"/>): each case
/// marks what must go with ⟦ ⟧; the input is the case without the marks, the expected output has every marked byte
/// blanked except line breaks. Plain Lua must come out byte-identical.
/// </summary>
public class TypeAnnotationTests : LuaTest
{
    private static string Input(string marked) => marked.Replace("⟦", "").Replace("⟧", "");

    /// <summary>The marked parts replaced by as many spaces as they have UTF-8 bytes, line breaks kept.</summary>
    private static byte[] Expected(string marked)
    {
        var output = new List<byte>();
        bool inside = false;
        foreach (var rune in marked.EnumerateRunes())
        {
            if (rune.Value == '⟦') { inside = true; continue; }
            if (rune.Value == '⟧') { inside = false; continue; }
            var bytes = Encoding.UTF8.GetBytes(rune.ToString());
            if (inside && rune.Value is not ('\n' or '\r')) output.AddRange(Enumerable.Repeat((byte)' ', bytes.Length));
            else output.AddRange(bytes);
        }
        return [.. output];
    }

    private static string Strip(string source) => Encoding.UTF8.GetString(TypeAnnotations.Strip(Encoding.UTF8.GetBytes(source)));

    public static readonly TheoryData<string> Annotated = new()
    {
        // locals, several names, optional and union types
        "local x⟦: number⟧ = 1\nlocal a⟦: string?⟧, b⟦: number | string | nil⟧ = nil, 2\nlocal c⟦: boolean⟧\nreturn x, a, b, c",
        // functions: parameters, return types (one, a list, a tuple, empty), methods, anonymous, varargs
        "local function add(a⟦: number⟧, b⟦: number⟧)⟦: number⟧ return a + b end\nreturn add(1, 2)",
        "local function two()⟦: (number, string)⟧ return 1, 'a' end\nlocal function two2()⟦: number, string⟧ return 1, 'a' end\nlocal function none()⟦: ()⟧ end\nreturn two(), two2(), none()",
        "local obj = {}\nfunction obj:greet(name⟦: string⟧)⟦: string⟧ return 'hi ' .. name end\nfunction obj.plain.deep(x⟦: T⟧) end\nreturn obj:greet('x')",
        "local r = (function(s⟦: string⟧)⟦: string⟧ return s:upper() end)('x')\nreturn r",
        "local function sum(...⟦: number⟧)⟦: number⟧ local t = 0 for _, v in ipairs({...}) do t = t + v end return t end\nlocal function f(fmt⟦: string⟧, ...⟦: any⟧)⟦: ...any⟧ return ... end\nreturn sum(1, 2)",
        // generics, nested generics closing on '>>', generic constraints
        "local function id⟦<T>⟧(x⟦: T⟧)⟦: T⟧ return x end\nlocal function pair⟦<K, V: Comparable<K>>⟧(k⟦: K⟧, v⟦: V⟧)⟦: {key: K, value: V}⟧ return {key = k, value = v} end\nreturn id(1)",
        "local m⟦: Map<string, Array<number>>⟧ = {}\nlocal n⟦: Box<Box<Box<number>>>⟧= {}\nreturn m, n",
        // table types: arrays, maps, records with optional fields and validation annotations, readonly, T[]
        "local a⟦: {number}⟧ = {1}\nlocal m⟦: {[string]: number}⟧ = {}\nlocal r⟦: {x: number, y?: number; z: {string}}⟧ = {x = 1}\nlocal ro⟦: readonly {[string]: number}⟧ = {}\nlocal arr⟦: number[]⟧ = {}\nreturn a, m, r, ro, arr",
        // function types
        "local f⟦: (number, string) -> (boolean, string)⟧ = nil\nlocal g⟦: (x: number) -> ()⟧ = nil\nlocal h⟦: <T>(T) -> T⟧ = nil\nlocal k⟦: fun(x: number): string⟧ = nil\nreturn f, g, h, k",
        // the rarer type forms Wippy's grammar has
        "⟦type Keys = keyof(Config)⟧\n⟦type Port = Config[\"port\"]⟧\n⟦type IsStr<T> = T extends string ? true : false⟧\nlocal function check(x⟦: any⟧)⟦: asserts x is string⟧ end\nlocal g = function⟦<T>⟧(x⟦: T⟧)⟦: T⟧ return x end\nreturn g(1)",
        // type aliases: one line, multi-line, exported, generic, literal unions, intersection, typeof, annotations
        "⟦type Point = {x: number, y: number}⟧\n⟦export type Pair<A, B> = {a: A, b: B}⟧\nreturn 1",
        "⟦type Config = {\n  host: string,\n  port: number @min(1) @max(65535),\n  -- a comment inside\n  tags?: {string},\n}⟧\nlocal c⟦: Config⟧ = {host = 'h'}\nreturn c.host",
        "⟦type Mode =\n  | \"fast\"\n  | \"safe\"⟧\n⟦type Both = Named & Aged⟧\n⟦type Count = 3⟧\nlocal sample = {}\n⟦type Sample = typeof(sample)⟧\nreturn 1",
        "⟦interface Shape: Base\n  function area(): number\n  function scale(k: number): Shape\nend⟧\nreturn 1",
        // casts: as, ::, the non-nil assertion, also inside parentheses and table constructors
        "local x = 42\nlocal y = x⟦ as number⟧\nlocal z = (x⟦ :: number⟧) + 1\nlocal t = {v = x⟦ as {value: number}⟧, w = y}\nlocal n = t.v⟦!⟧\nreturn y, z, t, n",
        // for loops
        "local s = 0\nfor i⟦: integer⟧ = 1, 3 do s = s + i end\nfor k⟦: string⟧, v⟦: number⟧ in pairs({}) do end\nreturn s",
        // annotations next to strings and comments holding annotation-like text
        "local s⟦: string⟧ = \"local x: number = 1\" -- local y: string\nlocal l⟦: string⟧ = [==[ function f(a: T): R ]] ]==]\n--[[ type X = number ]] return s, l",
        // a multi-byte character in a literal type: every byte is blanked
        "local v⟦: \"héllo\" | \"😀\"⟧ = 'héllo'\nreturn v",
        // labels and method calls next to annotations
        "local o = {n = 0}\nfunction o:inc(k⟦: number⟧) self.n = self.n + k end\n::top::\no:inc(1)\nif o.n < 3 then goto top end\nreturn o.n",
    };

    [Theory]
    [MemberData(nameof(Annotated))]
    public void Annotations_are_blanked_and_the_result_compiles(string marked)
    {
        var output = TypeAnnotations.Strip(Encoding.UTF8.GetBytes(Input(marked)));
        Assert.Equal(Encoding.UTF8.GetString(Expected(marked)), Encoding.UTF8.GetString(output));
        Assert.Equal(Expected(marked), output);
        Assert.Null(LuaEntry.CheckSyntax(Input(marked), "annotated.lua"));
    }

    public static readonly TheoryData<string> PlainLua = new()
    {
        // method calls in every form, with spaces and comments between the parts
        "local a = {b = function(self, x) return x end}\na:b() a:b 'x' a:b \"y\" a:b{1} a:b[[z]] a:b[==[w]==]\na : b ( 1 ) a:--[[c]]b(2)\na:b(a:b(1))",
        // labels and goto
        "::top:: do goto done end ::done:: ::  spaced  ::\nfor i = 1, 2 do goto continue ::continue:: end",
        // strings with every quote form and escape, annotation-like text inside
        "local s = \"a: number \\\" b: string\" .. 'it\\'s: x' .. \"\\z\n   local y: T\" .. \"\\\n\" .. '\\x41\\65\\u{48}'\nlocal l = [[ local x: T = y :: U ]] .. [=[ ]] ]=] .. [==[\n]=]\n]==]",
        // comments: line, long, long of level 2, a comment that looks like a long one but is not
        "-- local x: number\n--[[ function f(a: T): R\n]] --[==[ ]] ]=] ]==] --[ not long\nlocal x = 1 --[=[x: y]=] + 1",
        // numerals Lua reads as one token
        "local n = 0x1p-4 + 1e-5 + .5 + 3. + 0xA.8P1 + 1E+2 + 0xff - 1//2 ~ 3",
        // a variable named as, type, export or interface used as Lua allows
        "local as = 1\nas = as + 1\nlocal t = {as = as}\nt.as = 2\nlocal y = as\nas = y\nlocal type = type\nlocal export, interface = 1, 2\nprint(type(as), t.as, export, interface)",
        "local x = 1\nlocal as = {m = print}\nlocal y = x\nas.m(1)\ny = x\nas['m'](2)\ny = x\nas:m()\ny = x\nas, x = 1, 2",
        "local function as(x) return x end\nlocal y = 1\nas(2)\ny = 2\nas{3}\ny = 3\nas'4'",
        // comparisons, shifts and attributes that look like generics
        "local a <const> = 1\nlocal b <close> = nil\nlocal c = a < 2 and a > 0 and 1 << 2 >> 1 >= 1 and a <= 3\nlocal function f(x, ...) return select('#', ...) end",
        // a CRLF source
        "local x = 1\r\nlocal s = 'a: b'\r\nreturn x\r\n",
    };

    [Theory]
    [MemberData(nameof(PlainLua))]
    public void Plain_Lua_comes_out_unchanged(string source)
    {
        Assert.Null(LuaEntry.CheckSyntax(source, "plain.lua"));
        var bytes = Encoding.UTF8.GetBytes(source);
        Assert.Same(bytes, TypeAnnotations.Strip(bytes));
    }

    [Fact]
    public void Every_Lua_file_of_the_repository_comes_out_unchanged()
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "Typed.Processes.sln"))) root = Path.GetDirectoryName(root)!;
        var files = Directory.GetFiles(root, "*.lua", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}"))
            .Where(f => !f.EndsWith(Path.Combine("wippy", "test", "annotations.lua"), StringComparison.Ordinal)) // annotated on purpose
            .ToList();
        Assert.Contains(files, f => f.EndsWith("prelude.lua", StringComparison.Ordinal));
        Assert.Contains(files, f => f.Contains("examples", StringComparison.Ordinal));
        foreach (var file in files)
        {
            var bytes = File.ReadAllBytes(file);
            Assert.True(ReferenceEquals(bytes, TypeAnnotations.Strip(bytes)), file);
        }
    }

    [Fact]
    public void Bytes_that_are_not_UTF8_are_kept()
    {
        byte[] source = [.. "local s = '"u8, 0xff, 0xfe, 0x80, .. "'\nlocal x: number = 1\nreturn s"u8];
        var output = TypeAnnotations.Strip(source);
        Assert.Equal(source.Length, output.Length);
        Assert.Equal(source[..16], output[..16]);
        Assert.Equal("local x         = 1"u8.ToArray(), output[16..35]);
    }

    [Fact]
    public void What_cannot_be_read_is_left_for_Lua_to_report()
    {
        // An unterminated string: annotations before it are stripped, the rest is left as it is.
        Assert.Equal("local x         = 1\nlocal s = 'open\nlocal y: T = 2", Strip("local x: number = 1\nlocal s = 'open\nlocal y: T = 2"));
        // A malformed type: what reads as a type goes, the rest stays, and Lua reports the line.
        Assert.Equal("local x        < = 42", Strip("local x: number< = 42"));
        Assert.Equal("local x: {a: number = 42", Strip("local x: {a: number = 42"));
        Assert.Contains("bad.lua:2:", LuaEntry.CheckSyntax("local ok: number = 1\nlocal x: {a: number = 42", "bad.lua"));
    }

    [Fact]
    public async Task Errors_keep_their_line_numbers()
    {
        const string source = """
            type Config = {
              host: string,
              port: number,
            }
            local function get(c: Config, key: string): string
              return c[key] .. missing.field
            end
            return { main = function(): string return get({ host = "h", port = 1 }, "host") end }
            """;
        Assert.Null(LuaEntry.CheckSyntax(source, "typed.lua"));
        var syntax = LuaEntry.CheckSyntax(source.Replace("return c[key]", "return = c[key]", StringComparison.Ordinal), "typed.lua");
        Assert.Contains("typed.lua:6:", syntax);
        var ev = await Run(Lua(source, "typed_error"));
        Assert.Contains("typed_error.lua:6:", ev.Error);
    }

    [Fact]
    public async Task Annotated_code_runs()
    {
        const string source = """
            type Point = {x: number, y: number}
            local function dist(p: Point, q: Point): number
              local dx: number, dy: number = q.x - p.x, q.y - p.y
              return math.sqrt(dx * dx + dy * dy)
            end
            local function first<T>(xs: {T}): T? return xs[1] end
            local Counter = {}
            Counter.__index = Counter
            function Counter:add(k: number): Counter self.n = self.n + k return self end
            return { main = function(): number
              local c = setmetatable({n = 0}, Counter)
              c:add(1):add(2)
              local d = dist({x = 0, y = 0}, {x = 3, y = 4}) :: number
              local f = first({10, 20}) as number
              return d + c.n + f!
            end }
            """;
        var ev = await Run(Lua(source));
        Assert.Null(ev.Error);
        Assert.Equal(18.0, Convert.ToDouble(ev.Result, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task A_manifest_application_with_annotations_runs_end_to_end()
    {
        using var tmp = new TempDir();
        tmp.Write("_index.yaml", ManifestTests.HostYaml);
        tmp.Write("typed/_index.yaml", """
            version: "1.0"
            namespace: typed
            entries:
              - name: geometry
                kind: library.lua
                source: file://geometry.lua
              - name: main
                kind: process.lua
                source: file://main.lua
                modules: [geometry]
            """);
        tmp.Write("typed/geometry.lua", """
            export type Vec = {x: number, y: number}
            local M = {}
            function M.add(a: Vec, b: Vec): Vec
              return {x = a.x + b.x, y = a.y + b.y}
            end
            return M
            """);
        tmp.Write("typed/main.lua", """
            local geometry = require("geometry")
            local function main(): number
              local v: {x: number, y: number} = geometry.add({x = 1, y = 2}, {x = 10, y = 20})
              return v.x + v.y
            end
            return { main = main }
            """);
        var app = LuaApplication.Load(tmp.Path);
        Assert.Empty(app.Errors);
        await using var runtime = new ProcessRuntime(new ProcessRuntimeOptions { LoggerFactory = Log });
        app.AddTo(runtime);
        var ev = await runtime.RunAsync("typed:main", "app:processes", CancellationToken.None).WaitAsync(Guard);
        Assert.Null(ev.Error);
        Assert.Equal(33.0, Convert.ToDouble(ev.Result, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Stripping_a_large_source_is_linear()
    {
        // About 1 MiB of annotated Lua (and the same without annotations): reported in the test output; the bound only
        // catches a quadratic walk, it is not a benchmark.
        var unit = "function f<T>(a: number, b: {[string]: T}): (number, string)\n  local s: string = \"x: y\" -- c: d\n  return a :: number, s\nend\n";
        var annotated = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat(unit, (1 << 20) / unit.Length)));
        var plain = TypeAnnotations.Strip(annotated);
        Assert.NotSame(annotated, plain);
        Assert.Same(plain, TypeAnnotations.Strip(plain));
        Assert.Equal(annotated.Count(b => b == '\n'), plain.Count(b => b == '\n'));
        TimeSpan annotatedTime = TimeSpan.MaxValue, plainTime = TimeSpan.MaxValue, compileTime = TimeSpan.MaxValue;
        var text = Encoding.UTF8.GetString(annotated);
        for (int round = 0; round < 5; round++) // the best of 5 (the first rounds run code the JIT has not optimized yet)
        {
            annotatedTime = Min(annotatedTime, () => TypeAnnotations.Strip(annotated));
            plainTime = Min(plainTime, () => TypeAnnotations.Strip(plain));
            compileTime = Min(compileTime, () => LuaEntry.Compile(text, "large.lua"));
        }
        Console.WriteLine($"strip of {annotated.Length} bytes: annotated {annotatedTime.TotalMilliseconds:F1} ms, plain {plainTime.TotalMilliseconds:F1} ms; Lua's compile of the annotated source (strip included) {compileTime.TotalMilliseconds:F1} ms");
        Assert.True(annotatedTime < TimeSpan.FromSeconds(5), annotatedTime.ToString());

        static TimeSpan Min(TimeSpan best, Action action)
        {
            var clock = Stopwatch.StartNew();
            action();
            return clock.Elapsed < best ? clock.Elapsed : best;
        }
    }
}
