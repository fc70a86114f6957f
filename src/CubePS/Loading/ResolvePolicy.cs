using System;
using System.Collections.Generic;
using System.Reflection;

namespace CubePS.Loading;

/// <summary>What the resolver does with one request.</summary>
internal enum ResolveAction
{
    /// <summary>Not ours to answer: the runtime goes on (and may fail) as if CubePS were not there.</summary>
    Decline,

    /// <summary>Load the copy in the module's dependency folder.</summary>
    LoadShipped,

    /// <summary>Hand over an assembly already loaded in the process, which satisfies the request.</summary>
    UseLoaded,
}

/// <summary>
/// The resolver's decision, as a pure function of the request, so it can be tested without a
/// .NET Framework. It answers only requests that CubePS's own assemblies or the dependencies it
/// ships make, for an assembly it ships (same name and public key, a version at least the one
/// asked for), so another module's requests are never given CubePS's copies. Where the runtime
/// does not say who asks (.NET Framework, for some loads), it answers only for the exact identity
/// it ships, which cannot break whoever asked. An acceptable copy that is already loaded wins over
/// loading a second one. Base-library types only: see <see cref="DependencyResolver"/>.
/// </summary>
internal static class ResolvePolicy
{
    public static ResolveAction Decide(
        AssemblyName requested,
        AssemblyName? requester,
        IList<string> ownAssemblies,
        IList<AssemblyName> shipped,
        IList<AssemblyName> loaded,
        out AssemblyName? answer)
    {
        answer = null;
        var copy = FindByName(shipped, requested.Name);
        if (copy is null || !SameKey(requested, copy) || !IsAtLeast(copy.Version, requested.Version))
        {
            return ResolveAction.Decline;
        }

        if (requester is null)
        {
            if (!string.Equals(copy.FullName, requested.FullName, StringComparison.OrdinalIgnoreCase))
            {
                return ResolveAction.Decline;
            }
        }
        else if (!IsOwn(requester, ownAssemblies) && !IsShipped(requester, shipped))
        {
            return ResolveAction.Decline;
        }

        AssemblyName? best = null;
        foreach (var candidate in loaded)
        {
            if (string.Equals(candidate.Name, requested.Name, StringComparison.OrdinalIgnoreCase)
                && SameKey(requested, candidate)
                && IsAtLeast(candidate.Version, requested.Version)
                && (best is null || IsAtLeast(best.Version, candidate.Version)))
            {
                // The lowest acceptable version: the closest to what was asked for.
                best = candidate;
            }
        }

        if (best is not null)
        {
            answer = best;
            return ResolveAction.UseLoaded;
        }

        answer = copy;
        return ResolveAction.LoadShipped;
    }

    private static AssemblyName? FindByName(IList<AssemblyName> names, string? name)
    {
        foreach (var candidate in names)
        {
            if (string.Equals(candidate.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return candidate;
            }
        }

        return null;
    }

    private static bool IsOwn(AssemblyName requester, IList<string> ownAssemblies)
    {
        foreach (var own in ownAssemblies)
        {
            if (string.Equals(own, requester.Name, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when <paramref name="requester"/> is one of the shipped dependencies itself (by identity).</summary>
    private static bool IsShipped(AssemblyName requester, IList<AssemblyName> shipped)
    {
        var copy = FindByName(shipped, requester.Name);
        return copy is not null && string.Equals(copy.FullName, requester.FullName, StringComparison.OrdinalIgnoreCase);
    }

    private static bool IsAtLeast(Version? available, Version? requested) =>
        requested is null || (available is not null && available >= requested);

    /// <summary>True when <paramref name="candidate"/> has the public key token the request names (any, when it names none).</summary>
    private static bool SameKey(AssemblyName requested, AssemblyName candidate)
    {
        var wanted = requested.GetPublicKeyToken();
        if (wanted is null || wanted.Length == 0)
        {
            return true;
        }

        var key = candidate.GetPublicKeyToken();
        if (key is null || key.Length != wanted.Length)
        {
            return false;
        }

        for (var i = 0; i < key.Length; i++)
        {
            if (key[i] != wanted[i])
            {
                return false;
            }
        }

        return true;
    }
}
