using System;
using System.Management.Automation;
using CubePS.Connections;

namespace CubePS.Validation;

/// <summary>-Credential must carry a user name HTTP Basic can send and a password long enough to be masked.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
internal sealed class ValidateCubeCredentialAttribute : ValidateArgumentsAttribute
{
    protected override void Validate(object arguments, EngineIntrinsics engineIntrinsics)
    {
        if (arguments is PSCredential credential
            && (SecretRules.CheckUserName(credential.UserName) ?? SecretRules.CheckPassword(SecretText.Reveal(credential.Password))) is { } problem)
        {
            throw new ValidationMetadataException(problem);
        }
    }
}
