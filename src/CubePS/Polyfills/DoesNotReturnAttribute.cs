// netstandard2.0 lacks this attribute; the compiler only needs its name to check nullable flow.
// It keeps the BCL's namespace, the one exception to namespaces following folders.
namespace System.Diagnostics.CodeAnalysis;

[AttributeUsage(AttributeTargets.Method)]
internal sealed class DoesNotReturnAttribute : Attribute
{
}
