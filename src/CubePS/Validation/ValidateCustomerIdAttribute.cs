using System;
using System.Management.Automation;

namespace CubePS.Validation;

/// <summary>
/// An empty customer id (a blank cell of an imported CSV, an object whose customer_id is null)
/// names no customer: it is refused when it binds, so it is neither read as an id of its own nor
/// taken to mean "every customer".
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
internal sealed class ValidateCustomerIdAttribute : ValidateArgumentsAttribute
{
    internal const string Message =
        "A customer id is empty. Give the customer_id of each customer wanted, or leave -CustomerId out to get every customer of the assignment (for piped rows: remove the rows without a customer_id).";

    protected override void Validate(object arguments, EngineIntrinsics engineIntrinsics)
    {
        foreach (var value in BoundValues.Each(arguments))
        {
            if (value is null || (value is string text && text.Trim().Length == 0))
            {
                throw new ValidationMetadataException(Message);
            }
        }
    }
}
