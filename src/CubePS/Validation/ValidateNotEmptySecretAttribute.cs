using System;
using System.Management.Automation;
using System.Security;

namespace CubePS.Validation;

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
