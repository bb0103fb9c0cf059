using Microsoft.CodeAnalysis.Testing;

namespace Typed.Processes.Analyzers.Tests;

/// <summary>TP0013: the rules of a [Supervisor] class (shared with the generator, which emits nothing for a class that breaks one).</summary>
public class SupervisorTests
{
    private const string Usings = """
        using System.Collections.Generic;
        using Typed.Processes;

        """;

    [Fact]
    public Task A_valid_supervisor_class_has_no_diagnostic() => Verifier.AnalyzeAsync<SupervisorAnalyzer>(Usings + """
        namespace App;

        [Supervisor("app:root", Strategy = "rest_for_one", Intensity = 3, Period = "1m30s")]
        public partial class Root
        {
            static ChildSpec[] Children() => [new ChildSpec("a", "app:a", "app:h")];
        }

        [Supervisor("app:empty")]
        public partial class Empty
        {
            static IEnumerable<ChildSpec> Children() => [];
        }
        """);

    [Fact]
    public Task Each_broken_rule_is_TP0013() => Verifier.AnalyzeAsync<SupervisorAnalyzer>(Usings + """
        namespace App;

        [Supervisor({|#0:"root"|})]
        public class {|#1:Root|}
        {
            static IEnumerable<ChildSpec> Children() => [];
        }

        [{|#2:Supervisor("app:words", Strategy = "all_for_one", Intensity = -1, Period = "-5s")|}]
        public partial class Words
        {
            static IEnumerable<ChildSpec> Children() => [];
        }

        [Supervisor("app:childless")]
        public partial class {|#3:Childless|}
        {
            IEnumerable<ChildSpec> Children() => [];
        }

        public partial class Outer
        {
            [Supervisor("app:nested")]
            public partial class {|#4:Nested|}
            {
                static IEnumerable<ChildSpec> Children() => [];
            }
        }
        """,
        [
            new DiagnosticResult(Diagnostics.InvalidSupervisor).WithLocation(0).WithArguments("Supervisor reference 'root' of 'Root' is malformed: expected 'namespace:name'"),
            new DiagnosticResult(Diagnostics.InvalidSupervisor).WithLocation(1).WithArguments("Supervisor class 'Root' must be partial (the generator adds its members)"),
            new DiagnosticResult(Diagnostics.InvalidSupervisor).WithLocation(2).WithArguments("Supervisor 'Words': Strategy must be one_for_one, one_for_all or rest_for_one (got 'all_for_one')"),
            new DiagnosticResult(Diagnostics.InvalidSupervisor).WithLocation(2).WithArguments("Supervisor 'Words': Intensity must not be negative (got -1)"),
            new DiagnosticResult(Diagnostics.InvalidSupervisor).WithLocation(2).WithArguments("Supervisor 'Words': Period must be a positive duration such as 5s, 1m (got '-5s')"),
            new DiagnosticResult(Diagnostics.InvalidSupervisor).WithLocation(3).WithArguments("Supervisor class 'Childless' must declare 'static IEnumerable<ChildSpec> Children()' (its children, in start order)"),
            new DiagnosticResult(Diagnostics.InvalidSupervisor).WithLocation(4).WithArguments("Supervisor class 'Nested' must be a non-generic, non-static class declared directly in a namespace"),
        ]);

    [Fact]
    public Task A_child_naming_an_unknown_entry_by_string_is_TP0002_and_a_supervisor_class_is_a_declared_entry() => Verifier.AnalyzeAsync<ReferenceAnalyzer>(Usings + """
        [assembly: ProcessHost("app:h")]
        namespace App;

        [Supervisor("app:root")]
        public partial class Root
        {
            static IEnumerable<ChildSpec> Children() =>
            [
                new ChildSpec("sub", "app:sub", "app:h"),
                new ChildSpec("ghost", {|TP0002:"app:ghost"|}, "app:h"),
            ];
        }

        [Supervisor("app:sub")]
        public partial class Sub
        {
            static IEnumerable<ChildSpec> Children() => [];
        }
        """);
}
