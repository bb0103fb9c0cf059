namespace Typed.Processes.Benchmarks;

public static class Memory
{
    public static Task<int> RunChild(string[] args) => Task.FromResult(0);
}
