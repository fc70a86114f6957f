// Attributes that newer frameworks define and netstandard2.0 lacks; the compiler only needs the names.
namespace System.Runtime.CompilerServices
{
    internal static class IsExternalInit
    {
    }
}

namespace System.Diagnostics.CodeAnalysis
{
    [AttributeUsage(AttributeTargets.Parameter)]
    internal sealed class NotNullWhenAttribute : Attribute
    {
        public NotNullWhenAttribute(bool returnValue) => ReturnValue = returnValue;

        public bool ReturnValue { get; }
    }

    [AttributeUsage(AttributeTargets.Method | AttributeTargets.Constructor)]
    internal sealed class DoesNotReturnAttribute : Attribute
    {
    }
}

namespace CubePS
{
    using System.Runtime.CompilerServices;

    /// <summary>JIT hints.</summary>
    internal static class Jit
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
}
