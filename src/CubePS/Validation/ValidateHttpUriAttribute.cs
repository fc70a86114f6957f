using System;
using System.Management.Automation;
using CubePS.Connections;

namespace CubePS.Validation;

/// <summary>-BaseUri and -Proxy must be absolute http(s) URIs.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
internal sealed class ValidateHttpUriAttribute : ValidateArgumentsAttribute
{
    protected override void Validate(object arguments, EngineIntrinsics engineIntrinsics)
    {
        var problem = CubeEndpoint.ValidateBaseUri(arguments as Uri);
        if (problem is not null)
        {
            throw new ValidationMetadataException(problem);
        }
    }
}
