using System;
using System.Management.Automation;
using System.Security;

namespace CubePS.Infrastructure;

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

/// <summary>A SecureString parameter (the token) must not be empty.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
internal sealed class ValidateNotEmptySecretAttribute : ValidateArgumentsAttribute
{
    protected override void Validate(object arguments, EngineIntrinsics engineIntrinsics)
    {
        if (arguments is SecureString { Length: 0 })
        {
            throw new ValidationMetadataException("The token is empty. In a runbook, check that the variable holding it is set.");
        }
    }
}
