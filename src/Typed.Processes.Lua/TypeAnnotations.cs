namespace Typed.Processes.Lua;

/// <summary>
/// Removes Wippy's type annotations (a Luau-like dialect) from a Lua source so that reference Lua 5.4 can compile it:
/// <c>local x: T</c>, typed parameters and varargs, return types, generic parameters <c>&lt;T&gt;</c>, casts
/// (<c>v as T</c>, <c>v :: T</c>), non-nil assertions (<c>v!</c>), <c>type</c>/<c>export type</c> aliases and
/// <c>interface ... end</c> declarations. Every byte of an annotation becomes a space except line breaks, so each
/// remaining token keeps its line (and column). Types are not checked, only removed.
/// </summary>
/// <remarks>
/// Works on the source's bytes (a real Lua tokenizer: strings with escapes, long brackets of any level, comments,
/// numerals) and finds annotations by where the grammar allows them, never by a bare <c>:</c>: <c>a:b()</c>,
/// <c>a:b"s"</c>, <c>a:b{}</c> and <c>::label::</c> are left alone. Every place it strips is a syntax error in
/// Lua 5.4, so a plain Lua source comes out byte-identical (one corner: a variable named <c>as</c> called on the same
/// line as the end of an expression, <c>f() as(x)</c>, reads as a cast, as in Wippy, where <c>as</c> is a keyword).
/// What it cannot read (an unterminated string, a malformed type) it leaves as it is, for Lua to report.
/// </remarks>
internal static class TypeAnnotations
{
    /// <summary>The source without annotations; <paramref name="source"/> itself when it has none.</summary>
    public static byte[] Strip(byte[] source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var tokens = Tokenize(source);
        var stripper = new Stripper(source, tokens);
        stripper.Run();
        return stripper.Output ?? source;
    }

    private enum Kind : byte { Name, Keyword, Number, String, Symbol, Eof }

    /// <summary>A token: <see cref="Start"/>..<see cref="End"/> in the source; <see cref="LineStart"/> if it is the first on its line.</summary>
    private readonly record struct Token(Kind Kind, int Start, int End, bool LineStart);

    private static readonly byte[][] Keywords =
    [
        "and"u8.ToArray(), "break"u8.ToArray(), "do"u8.ToArray(), "else"u8.ToArray(), "elseif"u8.ToArray(), "end"u8.ToArray(),
        "false"u8.ToArray(), "for"u8.ToArray(), "function"u8.ToArray(), "goto"u8.ToArray(), "if"u8.ToArray(), "in"u8.ToArray(),
        "local"u8.ToArray(), "nil"u8.ToArray(), "not"u8.ToArray(), "or"u8.ToArray(), "repeat"u8.ToArray(), "return"u8.ToArray(),
        "then"u8.ToArray(), "true"u8.ToArray(), "until"u8.ToArray(), "while"u8.ToArray(),
    ];

    private static bool IsKeyword(ReadOnlySpan<byte> name)
    {
        // Most names are not keywords: only those whose length and first letter match one are compared.
        if (name.Length is < 2 or > 8 || name[0] is not ((byte)'a' or (byte)'b' or (byte)'d' or (byte)'e' or (byte)'f' or (byte)'g'
            or (byte)'i' or (byte)'l' or (byte)'n' or (byte)'o' or (byte)'r' or (byte)'t' or (byte)'u' or (byte)'w')) return false;
        foreach (var k in Keywords)
            if (k.Length == name.Length && k[0] == name[0] && name.SequenceEqual(k)) return true;
        return false;
    }

    // Keywords after which an expression must follow (so a name there is an operand, never a statement's start).
    private static readonly HashSet<string> OperandKeywords = new(StringComparer.Ordinal)
    {
        "and", "or", "not", "return", "if", "elseif", "while", "until", "in", "local", "function", "goto", "for",
    };

    private static bool IsNameStart(byte b) => b is (>= (byte)'a' and <= (byte)'z') or (>= (byte)'A' and <= (byte)'Z') or (byte)'_';

    private static bool IsNameChar(byte b) => IsNameStart(b) || b is >= (byte)'0' and <= (byte)'9';

    /// <summary>Lua's tokens; an unreadable rest (an unterminated string or comment) ends the list, for Lua to report.</summary>
    private static List<Token> Tokenize(byte[] s)
    {
        var tokens = new List<Token>(s.Length / 4 + 1);
        int i = 0, n = s.Length;
        bool lineStart = true;
        while (true)
        {
            // Whitespace and comments.
            while (i < n)
            {
                byte c = s[i];
                if (c is (byte)'\n' or (byte)'\r') { lineStart = true; i++; }
                else if (c is (byte)' ' or (byte)'\t' or (byte)'\f' or (byte)'\v') i++;
                else if (c == '-' && i + 1 < n && s[i + 1] == '-')
                {
                    i += 2;
                    if (i < n && s[i] == '[' && LongBracketLevel(s, i) is >= 0 and var level)
                    {
                        i = LongBracketEnd(s, i, level);
                        if (i < 0) { tokens.Add(new Token(Kind.Eof, n, n, lineStart)); return tokens; }
                    }
                    else
                    {
                        while (i < n && s[i] is not ((byte)'\n' or (byte)'\r')) i++;
                    }
                }
                else break;
            }
            if (i >= n) { tokens.Add(new Token(Kind.Eof, n, n, lineStart)); return tokens; }
            int start = i;
            byte b = s[i];
            Kind kind;
            if (IsNameStart(b))
            {
                while (i < n && IsNameChar(s[i])) i++;
                kind = IsKeyword(s.AsSpan(start, i - start)) ? Kind.Keyword : Kind.Name;
            }
            else if (b is >= (byte)'0' and <= (byte)'9' || b == '.' && i + 1 < n && s[i + 1] is >= (byte)'0' and <= (byte)'9')
            {
                // A numeral as Lua's lexer reads it: digits, letters, '.', and a sign right after an exponent mark.
                bool hex = b == '0' && i + 1 < n && s[i + 1] is (byte)'x' or (byte)'X';
                i++;
                while (i < n)
                {
                    byte c = s[i];
                    if (c is (byte)'+' or (byte)'-' && (hex ? s[i - 1] is (byte)'p' or (byte)'P' : s[i - 1] is (byte)'e' or (byte)'E')) i++;
                    else if (IsNameChar(c) || c == '.') i++;
                    else break;
                }
                kind = Kind.Number;
            }
            else if (b is (byte)'"' or (byte)'\'')
            {
                i++;
                while (true)
                {
                    if (i >= n || s[i] is (byte)'\n' or (byte)'\r') { tokens.Add(new Token(Kind.Eof, start, start, lineStart)); return tokens; }
                    byte c = s[i++];
                    if (c == b) break;
                    if (c == '\\' && i < n)
                    {
                        // An escaped line break (\n, \r, \r\n or \n\r) is one break; any other escape is skipped here
                        // by its first byte (\x.., \ddd, \u{...} continue as ordinary bytes); \z skips the white space after it.
                        byte e = s[i++];
                        if (e is (byte)'\n' or (byte)'\r' && i < n && s[i] is (byte)'\n' or (byte)'\r' && s[i] != e) i++;
                        else if (e == 'z')
                            while (i < n && s[i] is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' or (byte)'\f' or (byte)'\v') i++;
                    }
                }
                kind = Kind.String;
            }
            else if (b == '[' && LongBracketLevel(s, i) is >= 0 and var level)
            {
                i = LongBracketEnd(s, i, level);
                if (i < 0) { tokens.Add(new Token(Kind.Eof, start, start, lineStart)); return tokens; }
                kind = Kind.String;
            }
            else
            {
                // Lua's multi-byte operators, plus '->' (a function type's arrow; never valid Lua). '>' is always
                // one token so that a generic list can close on '>>' or be followed by '='.
                i += Matches(s, i, "...") ? 3
                    : Matches(s, i, "..") || Matches(s, i, "::") || Matches(s, i, "==") || Matches(s, i, "~=") || Matches(s, i, "<=")
                      || Matches(s, i, "<<") || Matches(s, i, "//") || Matches(s, i, "->") ? 2 : 1;
                kind = Kind.Symbol;
            }
            tokens.Add(new Token(kind, start, i, lineStart));
            lineStart = false;
        }
    }

    private static bool Matches(byte[] s, int i, string op)
    {
        if (i + op.Length > s.Length) return false;
        for (int k = 0; k < op.Length; k++)
            if (s[i + k] != op[k]) return false;
        return true;
    }

    /// <summary>The level of a long bracket opening at <paramref name="i"/> (<c>[[</c> is 0, <c>[==[</c> is 2), or -1.</summary>
    private static int LongBracketLevel(byte[] s, int i)
    {
        int j = i + 1;
        while (j < s.Length && s[j] == '=') j++;
        return j < s.Length && s[j] == '[' ? j - i - 1 : -1;
    }

    /// <summary>The index just past the long bracket of <paramref name="level"/> opening at <paramref name="i"/>, or -1 if it never closes.</summary>
    private static int LongBracketEnd(byte[] s, int i, int level)
    {
        int j = i + level + 2;
        while (true)
        {
            j = Array.IndexOf(s, (byte)']', j);
            if (j < 0) return -1;
            int k = j + 1;
            while (k < s.Length && s[k] == '=') k++;
            if (k < s.Length && s[k] == ']' && k - j - 1 == level) return k + 1;
            j++;
        }
    }

    /// <summary>Walks the tokens once, finds each place an annotation can stand, reads the type there and blanks it.</summary>
    private sealed class Stripper(byte[] source, List<Token> tokens)
    {
        private int _i;
        private int _lastKept = -1;

        /// <summary>The stripped copy; null while nothing was stripped.</summary>
        public byte[]? Output { get; private set; }

        public void Run()
        {
            while (tokens[_i].Kind != Kind.Eof) Step();
        }

        private Token T(int i) => tokens[Math.Min(i, tokens.Count - 1)];

        private bool Is(int i, string text)
        {
            var t = T(i);
            if (t.Kind == Kind.Eof || t.End - t.Start != text.Length) return false;
            for (int k = 0; k < text.Length; k++)
                if (source[t.Start + k] != text[k]) return false;
            return true;
        }

        private bool IsName(int i) => T(i).Kind == Kind.Name;

        /// <summary>A name or a keyword (table type fields and method names may be either).</summary>
        private bool IsWord(int i) => T(i).Kind is Kind.Name or Kind.Keyword;

        private void Keep()
        {
            _lastKept = _i;
            _i++;
        }

        /// <summary>Blanks tokens <paramref name="from"/>..<paramref name="to"/> (exclusive) and everything between them, line breaks kept.</summary>
        private void Blank(int from, int to)
        {
            if (to <= from) return;
            Output ??= (byte[])source.Clone();
            for (int k = tokens[from].Start, end = tokens[to - 1].End; k < end; k++)
                if (Output[k] is not ((byte)'\n' or (byte)'\r')) Output[k] = (byte)' ';
            _i = to;
        }

        /// <summary>Whether the last kept token ends an expression (so a following <c>as</c>, <c>::</c> or <c>!</c> applies to it).</summary>
        private bool AfterExpression()
        {
            if (_lastKept < 0) return false;
            var t = tokens[_lastKept];
            return t.Kind switch
            {
                Kind.Name or Kind.Number or Kind.String => true,
                Kind.Keyword => Is(_lastKept, "nil") || Is(_lastKept, "true") || Is(_lastKept, "false") || Is(_lastKept, "end"),
                Kind.Symbol => Is(_lastKept, ")") || Is(_lastKept, "]") || Is(_lastKept, "}") || Is(_lastKept, "..."),
                _ => false,
            };
        }

        /// <summary>Whether a statement may start here (the last kept token does not wait for an operand).</summary>
        private bool AtStatementStart()
        {
            if (_lastKept < 0) return true;
            var t = tokens[_lastKept];
            return t.Kind switch
            {
                Kind.Keyword => !OperandKeywords.Contains(System.Text.Encoding.ASCII.GetString(source, t.Start, t.End - t.Start)),
                Kind.Symbol => Is(_lastKept, ")") || Is(_lastKept, "]") || Is(_lastKept, "}") || Is(_lastKept, "...")
                               || Is(_lastKept, ";") || Is(_lastKept, "::"),
                _ => true,
            };
        }

        private void Step()
        {
            int i = _i;
            var t = tokens[i];
            if (t.Kind == Kind.Keyword)
            {
                if (Is(i, "local")) { Keep(); if (!Is(_i, "function")) Names(attributes: true); return; }
                if (Is(i, "for")) { Keep(); Names(attributes: false); return; }
                if (Is(i, "function")) { Keep(); FunctionHeader(); return; }
                Keep();
                return;
            }
            if (t.Kind == Kind.Name)
            {
                if (Is(i, "as") && AfterExpression() && IsCast(i) && Type(i + 1) is var castEnd and > 0) { Blank(i, castEnd); return; }
                if ((Is(i, "type") || Is(i, "export") || Is(i, "interface")) && AtStatementStart())
                {
                    int decl = Is(i, "export") && Is(i + 1, "type") ? i + 1 : i;
                    if (Is(decl, "type") && IsName(decl + 1) && TypeAlias(decl + 1) is var aliasEnd and > 0) { Blank(i, aliasEnd); return; }
                    if (Is(i, "interface") && IsName(i + 1) && Interface(i + 2) is var ifaceEnd and > 0) { Blank(i, ifaceEnd); return; }
                }
                Keep();
                return;
            }
            if (t.Kind == Kind.Symbol)
            {
                if (Is(i, "::"))
                {
                    if (IsName(i + 1) && Is(i + 2, "::")) { Keep(); Keep(); Keep(); return; } // a goto label
                    if (AfterExpression() && Type(i + 1) is var castEnd and > 0) { Blank(i, castEnd); return; }
                }
                else if (Is(i, "!") && AfterExpression()) { Blank(i, i + 1); return; }
            }
            Keep();
        }

        /// <summary>
        /// After <c>as</c>: a cast unless <c>as</c> is a variable starting a statement (<c>as = 1</c>, <c>as.x</c>,
        /// <c>as[k]</c>, <c>as:m()</c>, <c>as, b = ...</c>, or a call <c>as(x)</c>, <c>as{}</c>, <c>as"s"</c> at a line's start).
        /// </summary>
        private bool IsCast(int i)
        {
            int next = i + 1;
            if (Is(next, "=") || Is(next, ".") || Is(next, "[") || Is(next, ":") || Is(next, ",") || T(next).Kind == Kind.Eof) return false;
            bool callLike = Is(next, "(") || Is(next, "{") || T(next).Kind == Kind.String;
            return !(callLike && tokens[i].LineStart);
        }

        /// <summary>The names of <c>local</c> or <c>for</c>, each with an optional <c>: T</c> (and for <c>local</c>, Lua 5.4's <c>&lt;const&gt;</c>).</summary>
        private void Names(bool attributes)
        {
            while (IsName(_i))
            {
                Keep();
                if (attributes && Is(_i, "<") && IsName(_i + 1) && Is(_i + 2, ">")) { Keep(); Keep(); Keep(); }
                if (Is(_i, ":") && Type(_i + 1) is var end and > 0) Blank(_i, end);
                if (!Is(_i, ",")) return;
                Keep();
            }
        }

        /// <summary>After <c>function</c>: the name (<c>a.b:c</c>), generic parameters, typed parameters and the return types.</summary>
        private void FunctionHeader()
        {
            if (IsName(_i))
            {
                Keep();
                while ((Is(_i, ".") || Is(_i, ":")) && IsWord(_i + 1)) { Keep(); Keep(); }
            }
            if (Is(_i, "<") && TypeParams(_i) is var generics and > 0) Blank(_i, generics);
            if (!Is(_i, "(")) return;
            Keep();
            while (true)
            {
                if (IsName(_i) || Is(_i, "...")) Keep();
                else break;
                if (Is(_i, ":") && Type(_i + 1) is var end and > 0) Blank(_i, end);
                if (!Is(_i, ",")) break;
                Keep();
            }
            if (!Is(_i, ")")) return;
            Keep();
            if (Is(_i, ":") && TypeList(_i + 1) is var ret and > 0) Blank(_i, ret);
        }

        /// <summary><c>type Name&lt;T&gt; = T</c> from the name at <paramref name="i"/>: the end, or -1.</summary>
        private int TypeAlias(int i)
        {
            i++;
            if (Is(i, "<")) { i = TypeParams(i); if (i < 0) return -1; }
            return Is(i, "=") ? Type(i + 1) : -1;
        }

        /// <summary><c>interface Name [: Base, ...] function m(a: T): R ... end</c> from <paramref name="i"/> (after the name): the end, or -1.</summary>
        private int Interface(int i)
        {
            int stop = InterfaceStop()[Math.Min(i, tokens.Count - 1)];
            return stop >= 0 && Is(stop, "end") ? stop + 1 : -1;
        }

        /// <summary>For each token, the first token from it on that ends an interface's scan (<c>end</c>, or a keyword
        /// an interface cannot hold), or -1: computed once, so that a source of many <c>interface X</c> without an
        /// <c>end</c> is read in linear time (each scan went to the end of the source).</summary>
        private int[] InterfaceStop()
        {
            if (_interfaceStop is { } known) return known;
            var stop = new int[tokens.Count];
            int next = -1;
            for (int k = tokens.Count - 1; k >= 0; k--)
            {
                if (tokens[k].Kind == Kind.Keyword && !Is(k, "function") && !Is(k, "nil") && !Is(k, "true") && !Is(k, "false")) next = k;
                stop[k] = next;
            }
            return _interfaceStop = stop;
        }

        private int[]? _interfaceStop;

        /// <summary><c>&lt;T, U: C = D, V...&gt;</c> at <paramref name="i"/>: the end, or -1.</summary>
        private int TypeParams(int i)
        {
            if (!Is(i, "<")) return -1;
            i++;
            while (true)
            {
                if (!IsName(i)) return -1;
                i++;
                if (Is(i, "...")) i++;
                if (Is(i, ":") && (i = Type(i + 1)) < 0) return -1;
                if (Is(i, "=") && (i = Type(i + 1)) < 0) return -1;
                if (Is(i, ">")) return i + 1;
                if (!Is(i, ",")) return -1;
                i++;
            }
        }

        /// <summary>A return type list <c>T, U</c> (each may be a tuple <c>(T, U)</c>): the end, or -1.</summary>
        private int TypeList(int i)
        {
            i = Type(i);
            while (i > 0 && Is(i, ",")) i = Type(i + 1);
            return i;
        }

        /// <summary>How deep <see cref="Type"/> calls are nested now.</summary>
        private int _depth;

        /// <summary>
        /// The deepest nesting of types read (every recursion of the reader goes through <see cref="Type"/>): a deeper
        /// type is left as it is, for Lua to report. Each level is a few frames of this reader, so one line of nested
        /// braces in a source overflowed the host's stack (a crash of the whole host) before this limit. Lua itself
        /// refuses code nested deeper than 200 levels (LUAI_MAXCCALLS).
        /// </summary>
        private const int MaxDepth = 200;

        /// <summary>A type at <paramref name="i"/>: unions and intersections of simple types. The end, or -1.</summary>
        private int Type(int i)
        {
            if (_depth >= MaxDepth) return -1;
            _depth++;
            try { return TypeCore(i); }
            finally { _depth--; }
        }

        private int TypeCore(int i)
        {
            if (Is(i, "|") || Is(i, "&")) i++; // a leading separator, as in a multi-line union
            i = Simple(i);
            while (i > 0 && (Is(i, "|") || Is(i, "&"))) i = Simple(i + 1);
            if (i > 0 && Is(i, "extends"))
            {
                // A conditional type: Check extends Target ? Then : Else.
                i = Primary(i + 1);
                if (i < 0 || !Is(i, "?")) return -1;
                i = Type(i + 1);
                if (i < 0 || !Is(i, ":")) return -1;
                i = Type(i + 1);
            }
            return i;
        }

        /// <summary>A primary type with its suffixes: <c>?</c>, <c>[]</c>, <c>[K]</c> and <c>@annotation(args)</c>.</summary>
        private int Simple(int i)
        {
            i = Primary(i);
            while (i > 0)
            {
                if (Is(i, "?")) i++;
                else if (Is(i, "[") && Is(i + 1, "]")) i += 2;
                else if (Is(i, "[") && Type(i + 1) is var index and > 0 && Is(index, "]")) i = index + 1;
                else if (Is(i, "@") && IsWord(i + 1))
                {
                    i += 2;
                    if (Is(i, "(")) i = Balanced(i);
                }
                else break;
            }
            return i;
        }

        private int Primary(int i)
        {
            var t = T(i);
            switch (t.Kind)
            {
                case Kind.String or Kind.Number:
                    return i + 1;
                case Kind.Keyword:
                    return Is(i, "nil") || Is(i, "true") || Is(i, "false") ? i + 1 : -1;
                case Kind.Name:
                    if ((Is(i, "typeof") || Is(i, "keyof")) && Is(i + 1, "(")) return Balanced(i + 1);
                    if ((Is(i, "readonly") || Is(i, "interface")) && Is(i + 1, "{")) return Table(i + 1);
                    if (Is(i, "fun") && Is(i + 1, "(")) return Fun(i + 1);
                    if (Is(i, "asserts") && IsName(i + 1))
                        return Is(i + 2, "is") ? Type(i + 3) : i + 2;
                    i++;
                    while (Is(i, ".") && IsName(i + 1)) i += 2;
                    if (Is(i, "<") && TypeArgs(i) is var args and > 0) i = args;
                    if (Is(i, "...")) i++; // a generic pack, T...
                    return i;
                case Kind.Symbol:
                    if (Is(i, "{")) return Table(i);
                    if (Is(i, "(")) return Parenthesized(i);
                    if (Is(i, "<") && TypeParams(i) is var generic and > 0 && Is(generic, "(")) return Parenthesized(generic);
                    if (Is(i, "...")) return Type(i + 1) is var pack and > 0 ? pack : i + 1;
                    if (Is(i, "-") && T(i + 1).Kind == Kind.Number) return i + 2;
                    return -1;
                default:
                    return -1;
            }
        }

        /// <summary><c>&lt;T, U&gt;</c> after a type name: the end, or -1.</summary>
        private int TypeArgs(int i)
        {
            i++;
            while (true)
            {
                i = Type(i);
                if (i < 0) return -1;
                if (Is(i, ">")) return i + 1;
                if (!Is(i, ",")) return -1;
                i++;
            }
        }

        /// <summary><c>( ... )</c> as a type: a function type when <c>-&gt;</c> follows, else a parenthesized type or a tuple.</summary>
        private int Parenthesized(int i)
        {
            i = Params(i);
            if (i < 0) return -1;
            return Is(i, "->") ? Type(i + 1) : i;
        }

        /// <summary><c>fun(a: T): R</c> from its <c>(</c>.</summary>
        private int Fun(int i)
        {
            i = Params(i);
            if (i < 0) return -1;
            return Is(i, ":") ? Type(i + 1) : i;
        }

        /// <summary>A parameter (or tuple) list <c>(name: T, U, ...: V)</c> at <paramref name="i"/>: the end, or -1.</summary>
        private int Params(int i)
        {
            i++;
            if (Is(i, ")")) return i + 1;
            while (true)
            {
                if (Is(i, "...")) i = Is(i + 1, ")") || Is(i + 1, ",") ? i + 1 : Type(i + 1);
                else if (IsWord(i) && Is(i + 1, ":")) i = Type(i + 2);
                else i = Type(i);
                if (i < 0) return -1;
                if (Is(i, ")")) return i + 1;
                if (!Is(i, ",")) return -1;
                i++;
            }
        }

        /// <summary>A table type at <paramref name="i"/>: <c>{T}</c>, <c>{[K]: V}</c>, <c>{a: T, b?: U}</c>, <c>{}</c>.</summary>
        private int Table(int i)
        {
            i++;
            while (!Is(i, "}"))
            {
                if (Is(i, "["))
                {
                    i = Type(i + 1);
                    if (i < 0 || !Is(i, "]") || !Is(i + 1, ":")) return -1;
                    i = Type(i + 2);
                }
                else if (IsWord(i) && Is(i + 1, ":")) i = Type(i + 2);
                else if (IsWord(i) && Is(i + 1, "?") && Is(i + 2, ":")) i = Type(i + 3);
                else if (IsName(i) && IsWord(i + 1) && Is(i + 2, ":")) i = Type(i + 3); // read/write modifiers
                else i = Type(i);
                if (i < 0) return -1;
                if (Is(i, ",") || Is(i, ";")) i++;
                else if (!Is(i, "}")) return -1;
            }
            return i + 1;
        }

        /// <summary>Past the bracket matching the one at <paramref name="i"/> (any closing bracket closes any opening
        /// one), or -1.</summary>
        private int Balanced(int i) => i < tokens.Count && Matches()[i] is var close and >= 0 ? close + 1 : -1;

        /// <summary>For each opening bracket, the index of the bracket that closes it, or -1: computed once, so that a
        /// source of many unclosed <c>typeof(</c> is read in linear time (each read went to the end of the source).</summary>
        private int[] Matches()
        {
            if (_matches is { } known) return known;
            var match = new int[tokens.Count];
            Array.Fill(match, -1);
            var open = new Stack<int>();
            for (int k = 0; k < tokens.Count; k++)
            {
                if (Is(k, "(") || Is(k, "[") || Is(k, "{")) open.Push(k);
                else if ((Is(k, ")") || Is(k, "]") || Is(k, "}")) && open.TryPop(out int o)) match[o] = k;
            }
            return _matches = match;
        }

        private int[]? _matches;
    }
}
