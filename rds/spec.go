package rds

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/portalkit/portalkit/internal/check"
)

// Defaults for [Spec]; a zero field means the matching default.
const (
	// DefaultEngineVersion is the MySQL major version; RDS picks its newest minor version.
	DefaultEngineVersion = "8.0"
	// DefaultAllocatedStorage is the storage in GiB, RDS for MySQL's minimum for gp3.
	DefaultAllocatedStorage = 20
	// DefaultStorageType is general-purpose SSD storage.
	DefaultStorageType = "gp3"
	// DefaultMasterUsername is the master user's name.
	DefaultMasterUsername = "admin"
	// DefaultBackupRetentionDays keeps automated backups (and point-in-time recovery) for a week.
	DefaultBackupRetentionDays = 7
	// DefaultPort is MySQL's port.
	DefaultPort = 3306
	// Engine is the engine every instance runs.
	Engine = "mysql"
)

// Spec describes a MySQL DB instance. Security-relevant settings are on unless a field turns
// them off: Multi-AZ, storage encryption, backups, deletion protection and copying tags to
// snapshots.
type Spec struct {
	// Identifier names the instance: 1 to 63 letters, digits and hyphens, starting with a letter,
	// without a trailing hyphen or two hyphens in a row. Required. RDS stores it in lowercase.
	Identifier string
	// InstanceClass is the instance class, for example "db.t3.medium". Required.
	InstanceClass string
	// EngineVersion is the MySQL version, a major version ("8.0") or an exact one ("8.0.40").
	// Empty means DefaultEngineVersion. Drift is reported when the instance's version does not
	// start with it.
	EngineVersion string
	// AllocatedStorage is the storage in GiB, 20 to 65536. Zero means DefaultAllocatedStorage.
	AllocatedStorage int32
	// StorageType is the storage type. Empty means DefaultStorageType.
	StorageType string
	// DBName is a database to create with the instance. Empty creates none.
	DBName string
	// MasterUsername is the master user. Empty means DefaultMasterUsername.
	MasterUsername string
	// MasterPassword is the master user's password, 8 to 41 printable ASCII characters other
	// than '/', '"', '@' and space. Exactly one of MasterPassword and ManageMasterPassword must
	// be set. It is sent to RDS once, at creation, and never logged or put in an error.
	MasterPassword Password
	// ManageMasterPassword has RDS generate the master password and keep it in AWS Secrets
	// Manager ([Instance].MasterUserSecretARN), rotated by RDS.
	ManageMasterPassword bool
	// MasterSecretKMSKeyID is the KMS key that encrypts the managed secret. Empty means the
	// account's aws/secretsmanager key. Only with ManageMasterPassword.
	MasterSecretKMSKeyID string
	// SingleAZ creates an instance without a standby. False (the default) creates a Multi-AZ
	// instance: a synchronous standby in another Availability Zone that RDS fails over to.
	SingleAZ bool
	// SubnetGroup is the DB subnet group the instance runs in. Required.
	SubnetGroup SubnetGroup
	// SecurityGroupIDs are the VPC security groups of the instance. Empty means the VPC's
	// default security group.
	SecurityGroupIDs []string
	// KMSKeyID is the KMS key encrypting the storage. Empty means the account's aws/rds key.
	// Storage is always encrypted.
	KMSKeyID string
	// BackupRetentionDays keeps automated backups for 1 to 35 days; RDS's 0 (no backups, no
	// point-in-time recovery) is refused. Zero means DefaultBackupRetentionDays.
	BackupRetentionDays int32
	// NoDeletionProtection creates the instance without deletion protection. False (the
	// default) protects it: DeleteDBInstance fails until protection is turned off.
	NoDeletionProtection bool
	// ParameterGroup is the DB parameter group. Empty means RDS's default group for the
	// version (default.mysql8.0, ...), and no drift is reported for it.
	ParameterGroup string
	// Port is the port the instance listens on. Zero means DefaultPort.
	Port int32
	// IAMAuth enables IAM database authentication (see [ConnOptions].IAM).
	IAMAuth bool
	// Tags are set on the instance and the subnet group at creation and, through
	// CopyTagsToSnapshot, on the instance's snapshots. Tags of existing resources are not
	// compared.
	Tags map[string]string
}

// SubnetGroup is a DB subnet group.
type SubnetGroup struct {
	// Name names the group: lowercase letters, digits, spaces, periods, underscores and
	// hyphens, not "default". Required.
	Name string
	// Description describes the group. Empty means "portalkit: subnets of <Name>".
	Description string
	// SubnetIDs are the subnets, which must cover at least two Availability Zones. Empty means
	// the group must already exist and is adopted as it is.
	SubnetIDs []string
}

var (
	identifierPattern  = regexp.MustCompile(`^[a-zA-Z]([a-zA-Z0-9]|-[a-zA-Z0-9]){0,62}$`)
	snapshotIDPattern  = regexp.MustCompile(`^[a-zA-Z]([a-zA-Z0-9]|-[a-zA-Z0-9]){0,254}$`)
	subnetGroupPattern = regexp.MustCompile(`^[a-z0-9 ._-]{1,255}$`)
	usernamePattern    = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9_]{0,31}$`)
	// mysqlReservedUsers are names RDS for MySQL refuses as the master user.
	mysqlReservedUsers = map[string]bool{"rdsadmin": true}
)

// checkIDs fails with ErrInvalidSpec naming every identifier RDS would refuse, before any call:
// an empty instance identifier in particular, which some describe calls read as "every
// instance". Pairs are a description ("instance", "snapshot") and the identifier.
func checkIDs(pairs ...string) error {
	var p check.Problems
	for i := 0; i+1 < len(pairs); i += 2 {
		kind, id := pairs[i], pairs[i+1]
		pattern := identifierPattern
		switch kind {
		case "snapshot":
			pattern = snapshotIDPattern
		case "instance or ARN":
			// DescribeDBInstances takes an instance's ARN too.
			if parts := strings.Split(id, ":"); len(parts) == 7 && parts[0] == "arn" && parts[2] == "rds" && parts[5] == "db" {
				id = parts[6]
			}
			kind = "instance"
		}
		p.If(!pattern.MatchString(id), "%s identifier %q is not an RDS identifier (letters, digits and hyphens, starting with a letter, no trailing or double hyphen)", kind, id)
	}
	return p.Err(ErrInvalidSpec)
}

func (s Spec) withDefaults() Spec {
	s.Identifier = strings.ToLower(s.Identifier)
	if s.EngineVersion == "" {
		s.EngineVersion = DefaultEngineVersion
	}
	if s.AllocatedStorage == 0 {
		s.AllocatedStorage = DefaultAllocatedStorage
	}
	if s.StorageType == "" {
		s.StorageType = DefaultStorageType
	}
	if s.MasterUsername == "" {
		s.MasterUsername = DefaultMasterUsername
	}
	if s.BackupRetentionDays == 0 {
		s.BackupRetentionDays = DefaultBackupRetentionDays
	}
	if s.Port == 0 {
		s.Port = DefaultPort
	}
	if s.SubnetGroup.Description == "" {
		s.SubnetGroup.Description = "portalkit: subnets of " + s.SubnetGroup.Name
	}
	s.SecurityGroupIDs = append([]string(nil), s.SecurityGroupIDs...)
	s.SubnetGroup.SubnetIDs = append([]string(nil), s.SubnetGroup.SubnetIDs...)
	return s
}

// validate returns one error naming every problem, or nil. It never quotes the password.
func (s Spec) validate() error {
	var p check.Problems
	p.If(!identifierPattern.MatchString(s.Identifier), "Identifier %q is not an RDS identifier (1 to 63 letters, digits and hyphens, starting with a letter, no trailing or double hyphen)", s.Identifier)
	p.If(!strings.HasPrefix(s.InstanceClass, "db."), "InstanceClass %q is not a DB instance class such as db.t3.medium", s.InstanceClass)
	p.If(s.AllocatedStorage < 20 || s.AllocatedStorage > 65536, "AllocatedStorage %d GiB is outside 20 to 65536", s.AllocatedStorage)
	p.If(!usernamePattern.MatchString(s.MasterUsername) || mysqlReservedUsers[s.MasterUsername], "MasterUsername %q is not a valid MySQL master user (a letter, then up to 31 letters, digits or underscores; not a reserved name)", s.MasterUsername)
	switch {
	case s.ManageMasterPassword && s.MasterPassword != "":
		p.Addf("MasterPassword and ManageMasterPassword are both set; set exactly one")
	case !s.ManageMasterPassword && s.MasterPassword == "":
		p.Addf("MasterPassword is empty and ManageMasterPassword is false; set exactly one")
	case !s.ManageMasterPassword:
		for _, msg := range passwordProblems("MasterPassword", s.MasterPassword) {
			p.Addf("%s", msg)
		}
	}
	p.If(s.MasterSecretKMSKeyID != "" && !s.ManageMasterPassword, "MasterSecretKMSKeyID is set without ManageMasterPassword")
	p.If(s.BackupRetentionDays < 1 || s.BackupRetentionDays > 35, "BackupRetentionDays %d is outside 1 to 35 (backups stay on)", s.BackupRetentionDays)
	p.If(s.Port < 1150 || s.Port > 65535, "Port %d is outside RDS's 1150 to 65535", s.Port)
	p.If(!subnetGroupPattern.MatchString(s.SubnetGroup.Name) || s.SubnetGroup.Name == "default", "SubnetGroup.Name %q is not a DB subnet group name (lowercase letters, digits, spaces, periods, underscores, hyphens; not \"default\")", s.SubnetGroup.Name)
	if ids := s.SubnetGroup.SubnetIDs; len(ids) > 0 {
		distinct := map[string]bool{}
		for _, id := range ids {
			distinct[id] = true
		}
		p.If(len(distinct) < 2, "SubnetGroup.SubnetIDs has %d distinct subnet(s); a DB subnet group needs subnets in at least two Availability Zones", len(distinct))
	}
	for k := range s.Tags {
		p.If(k == "" || strings.HasPrefix(strings.ToLower(k), "aws:"), "Tags: key %q is empty or uses the reserved aws: prefix", k)
	}
	return p.Err(ErrInvalidSpec)
}

// Drift is one difference between an existing resource and the spec.
type Drift struct {
	// Resource names the resource, for example "DB instance shop".
	Resource string
	// Field names the setting, for example "MultiAZ".
	Field string
	// Want and Have are the spec's value and the resource's.
	Want, Have string
}

// String renders the drift for logs.
func (d Drift) String() string {
	return fmt.Sprintf("%s: %s is %q, spec wants %q", d.Resource, d.Field, d.Have, d.Want)
}

func sortedCopy(in []string) []string {
	out := append([]string(nil), in...)
	sort.Strings(out)
	return out
}
