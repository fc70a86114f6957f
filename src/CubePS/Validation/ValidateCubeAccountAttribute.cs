using System;
using System.Management.Automation;
using CubePS.Connections;

namespace CubePS.Validation;

/// <summary>-Account must be one DNS label (the 'acme' of acme.headshed.com).</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
internal sealed class ValidateCubeAccountAttribute : ValidateArgumentsAttribute
{
    protected override void Validate(object arguments, EngineIntrinsics engineIntrinsics)
    {
        var problem = CubeEndpoint.ValidateAccount(arguments as string);
        if (problem is not null)
        {
            throw new ValidationMetadataException(problem);
        }
    }
}
