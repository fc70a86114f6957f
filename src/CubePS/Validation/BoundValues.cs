using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;

namespace CubePS.Validation;

/// <summary>What a parameter attribute is given, one value at a time: a single value or each element of a list, unwrapped from PSObject.</summary>
internal static class BoundValues
{
    public static IEnumerable<object?> Each(object? input)
    {
        var value = Unwrap(input);
        if (value is IEnumerable items and not string)
        {
            foreach (var item in items)
            {
                yield return Unwrap(item);
            }
        }
        else
        {
            yield return value;
        }
    }

    private static object? Unwrap(object? value) => value is PSObject wrapped ? wrapped.BaseObject : value;
}
