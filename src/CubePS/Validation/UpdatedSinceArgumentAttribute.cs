using System;
using System.Management.Automation;

namespace CubePS.Validation;

/// <summary>
/// -UpdatedSince also takes a DateTimeOffset, which PowerShell cannot turn into a DateTime by
/// itself: it becomes the same instant as a UTC DateTime, so it is never read as a calendar day.
/// Everything else binds as a DateTime does.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
internal sealed class UpdatedSinceArgumentAttribute : ArgumentTransformationAttribute
{
    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData) =>
        (inputData is PSObject wrapped ? wrapped.BaseObject : inputData) is DateTimeOffset instant ? instant.UtcDateTime : inputData;
}
