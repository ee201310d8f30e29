package awstest

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	acmtypes "github.com/aws/aws-sdk-go-v2/service/acm/types"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing/types"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// exception builds the SDK's typed exception for an error code, as the SDK's deserializer does
// from AWS's response.
type exception func(message *string) error

// typedError returns the typed exception for code from table, or the generic API error the SDK
// builds for a code it has no type for.
func typedError(table map[string]exception, code, msg string) error {
	if build, ok := table[code]; ok {
		return build(aws.String(msg))
	}
	return genericError(code, msg)
}

// elbv2Exceptions are the typed exceptions of the Elastic Load Balancing v2 SDK client, by error code (the
// ErrorCode each type reports, which for some differs from its type name).
var elbv2Exceptions = map[string]exception{
	"ALPNPolicyNotFound":                   func(m *string) error { return &elbv2types.ALPNPolicyNotSupportedException{Message: m} },
	"AllocationIdNotFound":                 func(m *string) error { return &elbv2types.AllocationIdNotFoundException{Message: m} },
	"AssociationNotFound":                  func(m *string) error { return &elbv2types.TrustStoreAssociationNotFoundException{Message: m} },
	"AvailabilityZoneNotSupported":         func(m *string) error { return &elbv2types.AvailabilityZoneNotSupportedException{Message: m} },
	"CaCertificatesBundleNotFound":         func(m *string) error { return &elbv2types.CaCertificatesBundleNotFoundException{Message: m} },
	"CapacityDecreaseRequestLimitExceeded": func(m *string) error { return &elbv2types.CapacityDecreaseRequestsLimitExceededException{Message: m} },
	"CapacityReservationPending":           func(m *string) error { return &elbv2types.CapacityReservationPendingException{Message: m} },
	"CapacityUnitsLimitExceeded":           func(m *string) error { return &elbv2types.CapacityUnitsLimitExceededException{Message: m} },
	"CertificateNotFound":                  func(m *string) error { return &elbv2types.CertificateNotFoundException{Message: m} },
	"DeleteAssociationSameAccount":         func(m *string) error { return &elbv2types.DeleteAssociationSameAccountException{Message: m} },
	"DuplicateListener":                    func(m *string) error { return &elbv2types.DuplicateListenerException{Message: m} },
	"DuplicateLoadBalancerName":            func(m *string) error { return &elbv2types.DuplicateLoadBalancerNameException{Message: m} },
	"DuplicateTagKeys":                     func(m *string) error { return &elbv2types.DuplicateTagKeysException{Message: m} },
	"DuplicateTargetGroupName":             func(m *string) error { return &elbv2types.DuplicateTargetGroupNameException{Message: m} },
	"DuplicateTrustStoreName":              func(m *string) error { return &elbv2types.DuplicateTrustStoreNameException{Message: m} },
	"HealthUnavailable":                    func(m *string) error { return &elbv2types.HealthUnavailableException{Message: m} },
	"IncompatibleProtocols":                func(m *string) error { return &elbv2types.IncompatibleProtocolsException{Message: m} },
	"InsufficientCapacity":                 func(m *string) error { return &elbv2types.InsufficientCapacityException{Message: m} },
	"InvalidCaCertificatesBundle":          func(m *string) error { return &elbv2types.InvalidCaCertificatesBundleException{Message: m} },
	"InvalidConfigurationRequest":          func(m *string) error { return &elbv2types.InvalidConfigurationRequestException{Message: m} },
	"InvalidLoadBalancerAction":            func(m *string) error { return &elbv2types.InvalidLoadBalancerActionException{Message: m} },
	"InvalidRevocationContent":             func(m *string) error { return &elbv2types.InvalidRevocationContentException{Message: m} },
	"InvalidScheme":                        func(m *string) error { return &elbv2types.InvalidSchemeException{Message: m} },
	"InvalidSecurityGroup":                 func(m *string) error { return &elbv2types.InvalidSecurityGroupException{Message: m} },
	"InvalidSubnet":                        func(m *string) error { return &elbv2types.InvalidSubnetException{Message: m} },
	"InvalidTarget":                        func(m *string) error { return &elbv2types.InvalidTargetException{Message: m} },
	"ListenerNotFound":                     func(m *string) error { return &elbv2types.ListenerNotFoundException{Message: m} },
	"LoadBalancerNotFound":                 func(m *string) error { return &elbv2types.LoadBalancerNotFoundException{Message: m} },
	"OperationNotPermitted":                func(m *string) error { return &elbv2types.OperationNotPermittedException{Message: m} },
	"PriorRequestNotComplete":              func(m *string) error { return &elbv2types.PriorRequestNotCompleteException{Message: m} },
	"PriorityInUse":                        func(m *string) error { return &elbv2types.PriorityInUseException{Message: m} },
	"ResourceInUse":                        func(m *string) error { return &elbv2types.ResourceInUseException{Message: m} },
	"ResourceNotFound":                     func(m *string) error { return &elbv2types.ResourceNotFoundException{Message: m} },
	"RevocationContentNotFound":            func(m *string) error { return &elbv2types.RevocationContentNotFoundException{Message: m} },
	"RevocationIdNotFound":                 func(m *string) error { return &elbv2types.RevocationIdNotFoundException{Message: m} },
	"RuleNotFound":                         func(m *string) error { return &elbv2types.RuleNotFoundException{Message: m} },
	"SSLPolicyNotFound":                    func(m *string) error { return &elbv2types.SSLPolicyNotFoundException{Message: m} },
	"SubnetNotFound":                       func(m *string) error { return &elbv2types.SubnetNotFoundException{Message: m} },
	"TargetGroupAssociationLimit":          func(m *string) error { return &elbv2types.TargetGroupAssociationLimitException{Message: m} },
	"TargetGroupNotFound":                  func(m *string) error { return &elbv2types.TargetGroupNotFoundException{Message: m} },
	"TooManyActions":                       func(m *string) error { return &elbv2types.TooManyActionsException{Message: m} },
	"TooManyCertificates":                  func(m *string) error { return &elbv2types.TooManyCertificatesException{Message: m} },
	"TooManyListeners":                     func(m *string) error { return &elbv2types.TooManyListenersException{Message: m} },
	"TooManyLoadBalancers":                 func(m *string) error { return &elbv2types.TooManyLoadBalancersException{Message: m} },
	"TooManyRegistrationsForTargetId":      func(m *string) error { return &elbv2types.TooManyRegistrationsForTargetIdException{Message: m} },
	"TooManyRules":                         func(m *string) error { return &elbv2types.TooManyRulesException{Message: m} },
	"TooManyTags":                          func(m *string) error { return &elbv2types.TooManyTagsException{Message: m} },
	"TooManyTargetGroups":                  func(m *string) error { return &elbv2types.TooManyTargetGroupsException{Message: m} },
	"TooManyTargets":                       func(m *string) error { return &elbv2types.TooManyTargetsException{Message: m} },
	"TooManyTrustStoreRevocationEntries":   func(m *string) error { return &elbv2types.TooManyTrustStoreRevocationEntriesException{Message: m} },
	"TooManyTrustStores":                   func(m *string) error { return &elbv2types.TooManyTrustStoresException{Message: m} },
	"TooManyUniqueTargetGroupsPerLoadBalancer": func(m *string) error {
		return &elbv2types.TooManyUniqueTargetGroupsPerLoadBalancerException{Message: m}
	},
	"TrustStoreInUse":     func(m *string) error { return &elbv2types.TrustStoreInUseException{Message: m} },
	"TrustStoreNotFound":  func(m *string) error { return &elbv2types.TrustStoreNotFoundException{Message: m} },
	"TrustStoreNotReady":  func(m *string) error { return &elbv2types.TrustStoreNotReadyException{Message: m} },
	"UnsupportedProtocol": func(m *string) error { return &elbv2types.UnsupportedProtocolException{Message: m} },
}

// classicExceptions are the typed exceptions of the Elastic Load Balancing (Classic) SDK client, by error code (the
// ErrorCode each type reports, which for some differs from its type name).
var classicExceptions = map[string]exception{
	"CertificateNotFound":           func(m *string) error { return &elbtypes.CertificateNotFoundException{Message: m} },
	"DependencyThrottle":            func(m *string) error { return &elbtypes.DependencyThrottleException{Message: m} },
	"DuplicateListener":             func(m *string) error { return &elbtypes.DuplicateListenerException{Message: m} },
	"DuplicateLoadBalancerName":     func(m *string) error { return &elbtypes.DuplicateAccessPointNameException{Message: m} },
	"DuplicatePolicyName":           func(m *string) error { return &elbtypes.DuplicatePolicyNameException{Message: m} },
	"DuplicateTagKeys":              func(m *string) error { return &elbtypes.DuplicateTagKeysException{Message: m} },
	"InvalidConfigurationRequest":   func(m *string) error { return &elbtypes.InvalidConfigurationRequestException{Message: m} },
	"InvalidInstance":               func(m *string) error { return &elbtypes.InvalidEndPointException{Message: m} },
	"InvalidScheme":                 func(m *string) error { return &elbtypes.InvalidSchemeException{Message: m} },
	"InvalidSecurityGroup":          func(m *string) error { return &elbtypes.InvalidSecurityGroupException{Message: m} },
	"InvalidSubnet":                 func(m *string) error { return &elbtypes.InvalidSubnetException{Message: m} },
	"ListenerNotFound":              func(m *string) error { return &elbtypes.ListenerNotFoundException{Message: m} },
	"LoadBalancerAttributeNotFound": func(m *string) error { return &elbtypes.LoadBalancerAttributeNotFoundException{Message: m} },
	"LoadBalancerNotFound":          func(m *string) error { return &elbtypes.AccessPointNotFoundException{Message: m} },
	"OperationNotPermitted":         func(m *string) error { return &elbtypes.OperationNotPermittedException{Message: m} },
	"PolicyNotFound":                func(m *string) error { return &elbtypes.PolicyNotFoundException{Message: m} },
	"PolicyTypeNotFound":            func(m *string) error { return &elbtypes.PolicyTypeNotFoundException{Message: m} },
	"SubnetNotFound":                func(m *string) error { return &elbtypes.SubnetNotFoundException{Message: m} },
	"TooManyLoadBalancers":          func(m *string) error { return &elbtypes.TooManyAccessPointsException{Message: m} },
	"TooManyPolicies":               func(m *string) error { return &elbtypes.TooManyPoliciesException{Message: m} },
	"TooManyTags":                   func(m *string) error { return &elbtypes.TooManyTagsException{Message: m} },
	"UnsupportedProtocol":           func(m *string) error { return &elbtypes.UnsupportedProtocolException{Message: m} },
}

// acmExceptions are the typed exceptions of the ACM SDK client, by error code (the
// ErrorCode each type reports, which for some differs from its type name).
var acmExceptions = map[string]exception{
	"AccessDeniedException":                   func(m *string) error { return &acmtypes.AccessDeniedException{Message: m} },
	"ConflictException":                       func(m *string) error { return &acmtypes.ConflictException{Message: m} },
	"InternalServerException":                 func(m *string) error { return &acmtypes.InternalServerException{Message: m} },
	"InvalidArgsException":                    func(m *string) error { return &acmtypes.InvalidArgsException{Message: m} },
	"InvalidArnException":                     func(m *string) error { return &acmtypes.InvalidArnException{Message: m} },
	"InvalidDomainValidationOptionsException": func(m *string) error { return &acmtypes.InvalidDomainValidationOptionsException{Message: m} },
	"InvalidParameterException":               func(m *string) error { return &acmtypes.InvalidParameterException{Message: m} },
	"InvalidStateException":                   func(m *string) error { return &acmtypes.InvalidStateException{Message: m} },
	"InvalidTagException":                     func(m *string) error { return &acmtypes.InvalidTagException{Message: m} },
	"LimitExceededException":                  func(m *string) error { return &acmtypes.LimitExceededException{Message: m} },
	"RequestInProgressException":              func(m *string) error { return &acmtypes.RequestInProgressException{Message: m} },
	"ResourceInUseException":                  func(m *string) error { return &acmtypes.ResourceInUseException{Message: m} },
	"ResourceNotFoundException":               func(m *string) error { return &acmtypes.ResourceNotFoundException{Message: m} },
	"ServiceQuotaExceededException":           func(m *string) error { return &acmtypes.ServiceQuotaExceededException{Message: m} },
	"TagPolicyException":                      func(m *string) error { return &acmtypes.TagPolicyException{Message: m} },
	"ThrottlingException":                     func(m *string) error { return &acmtypes.ThrottlingException{Message: m} },
	"TooManyTagsException":                    func(m *string) error { return &acmtypes.TooManyTagsException{Message: m} },
	"ValidationException":                     func(m *string) error { return &acmtypes.ValidationException{Message: m} },
}
