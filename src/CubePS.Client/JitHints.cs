using System.Runtime.CompilerServices;

namespace CubePS;

/// <summary>JIT hints.</summary>
internal static class JitHints
{
    /// <summary>
    /// MethodImplOptions.AggressiveOptimization, which netstandard2.0 does not name: compile the
    /// method fully optimised at once. Each call of a CubePS cmdlet runs its per-record loops
    /// only a few thousand times per buffer in a process that just started, so tiered
    /// compilation would leave them in slow first-tier code for most of the run. Runtimes that
    /// do not know the flag (.NET Framework) ignore it.
    /// </summary>
    public const MethodImplOptions HotLoop = (MethodImplOptions)512;
}
