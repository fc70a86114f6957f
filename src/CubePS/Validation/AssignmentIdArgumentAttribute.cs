using System;
using System.Globalization;
using System.Management.Automation;

namespace CubePS.Validation;

/// <summary>
/// Text that is not a number given to -AssignmentId gets an error that says what the parameter
/// takes, instead of PowerShell's bare conversion error. The common case is a file name in the
/// first position while the assignments come from the pipeline (<c>... | Export-CubeCustomer x.csv</c>):
/// the first position is -AssignmentId, so the path must be named. Anything PowerShell can turn
/// into a number binds as usual.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
internal sealed class AssignmentIdArgumentAttribute : ArgumentTransformationAttribute
{
    private static readonly char[] PathCharacters = { '.', '/', '\\', ':' };

    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
    {
        foreach (var value in BoundValues.Each(inputData))
        {
            CheckOne(value);
        }

        return inputData;
    }

    private static void CheckOne(object? value)
    {
        if (value is not string text || LanguagePrimitives.TryConvertTo<int>(text, CultureInfo.InvariantCulture, out _))
        {
            return;
        }

        var looksLikeAPath = text.IndexOfAny(PathCharacters) >= 0;
        throw new ArgumentTransformationMetadataException(string.Format(
            CultureInfo.InvariantCulture,
            "'{0}' is not an assignment id: -AssignmentId, the first position, takes the whole numbers the Cube GUI shows.{1}",
            text,
            looksLikeAPath
                ? string.Format(CultureInfo.InvariantCulture, " When the assignments come from the pipeline, name the path: ... | Export-CubeCustomer -Path '{0}'.", text)
                : string.Empty));
    }
}
