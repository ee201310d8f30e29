package awstest

import (
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
)

// RDSFailureStatuses are the DB instance statuses that [Cloud.FailDBInstance] accepts: states
// RDS reports when an instance cannot serve and will not recover by itself.
var RDSFailureStatuses = []string{
	"failed", "incompatible-parameters", "incompatible-network", "incompatible-option-group",
	"incompatible-restore", "inaccessible-encryption-credentials", "restore-error", "storage-full",
}

// mysqlVersions are the MySQL engine versions the model offers; a major version ("8.0") picks
// the newest minor one, as RDS does.
var mysqlVersions = []string{"5.7.44", "8.0.36", "8.0.39", "8.0.40", "8.4.3"}

// dbInstance is one DB instance. Its status is computed from virtual time (status).
type dbInstance struct {
	id, arn, resourceID      string
	seq                      uint64
	created                  time.Time
	class, engine, version   string
	storage                  int32
	storageType              string
	encrypted                bool
	kmsKey                   string
	multiAZ                  bool
	primary, secondary       string // zones at creation; failovers swap them
	group                    *dbSubnetGroup
	securityGroups           []string
	retention                int32
	deletionProtection       bool
	copyTags, iamAuth        bool
	parameterGroup, dbName   string
	masterUser, secretARN    string
	port                     int32
	tags                     []rdstypes.Tag
	creatingUntil, available time.Time
	// reboots are reboots without failover; failovers are forced failovers. Both are windows on
	// the virtual timeline with a known end, during which the instance is rebooting.
	reboots, failovers timeline
	// failedAt and failStatus record Cloud.FailDBInstance.
	failedAt   time.Time
	failStatus string
	// deletedAt is when DeleteDBInstance was called; the instance is gone Deleting later.
	deletedAt time.Time
	goneAt    time.Time
}

// status returns the instance's status at t ("" once it is gone).
func (d *dbInstance) status(t time.Time) string {
	switch {
	case d.gone(t):
		return ""
	case !d.deletedAt.IsZero() && !t.Before(d.deletedAt):
		return "deleting"
	case !d.failedAt.IsZero() && !t.Before(d.failedAt):
		return d.failStatus
	case t.Before(d.creatingUntil):
		return "creating"
	case t.Before(d.available):
		return "backing-up"
	case d.reboots.at(t), d.failovers.at(t):
		return "rebooting"
	}
	return "available"
}

func (d *dbInstance) gone(t time.Time) bool { return !d.goneAt.IsZero() && !t.Before(d.goneAt) }

// zones returns the primary and secondary Availability Zones at t: each failover that ended by
// t swapped them.
func (d *dbInstance) zones(t time.Time) (primary, secondary string) {
	primary, secondary = d.primary, d.secondary
	for _, w := range d.failovers.windows {
		if !t.Before(w.to) {
			primary, secondary = secondary, primary
		}
	}
	return primary, secondary
}

// reachable reports whether the instance accepts database connections at t.
func (d *dbInstance) reachable(t time.Time) bool {
	switch d.status(t) {
	case "available", "backing-up", "modifying":
		return true
	}
	return false
}

func (m *rdsModel) instance(id string, now time.Time) *dbInstance {
	id = strings.ToLower(id)
	for _, d := range m.instances {
		if d.id == id && !d.gone(now) {
			return d
		}
	}
	return nil
}

func (m *rdsModel) mustInstance(id string, now time.Time) (*dbInstance, error) {
	d := m.instance(id, now)
	if d == nil {
		return nil, m.fail("DBInstanceNotFound", "DBInstance %s not found.", id)
	}
	return d, nil
}

// checkPassword applies RDS for MySQL's rules to a master password: 8 to 41 printable ASCII
// characters other than '/', '"', '@' and space. The message never quotes the password.
func (m *rdsModel) checkPassword(pw string) error {
	if len(pw) < 8 || len(pw) > 41 {
		return m.fail("InvalidParameterValue", "The parameter MasterUserPassword is not a valid password because it is shorter than 8 characters or longer than 41 characters.")
	}
	for _, c := range pw {
		if c < 0x21 || c > 0x7e || c == '/' || c == '"' || c == '@' {
			return m.fail("InvalidParameterValue", "The parameter MasterUserPassword is not a valid password. Only printable ASCII characters besides '/', '@', '\"', ' ' may be used.")
		}
	}
	return nil
}

var masterUserPattern = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9_]{0,31}$`)

func (m *rdsModel) resolveVersion(v string) (string, bool) {
	if v == "" {
		return mysqlVersions[len(mysqlVersions)-2], true // 8.0's newest, RDS's default for mysql
	}
	best := ""
	for _, known := range mysqlVersions {
		if known == v || strings.HasPrefix(known, v+".") {
			best = known
		}
	}
	return best, best != ""
}

func (m *rdsModel) createDBInstance(r *request, in *rds.CreateDBInstanceInput) (*rds.CreateDBInstanceOutput, error) {
	if in.DBClusterIdentifier != nil || len(in.DBSecurityGroups) > 0 || in.Domain != nil || in.Iops != nil ||
		len(in.ProcessorFeatures) > 0 || in.MonitoringInterval != nil && *in.MonitoringInterval != 0 || len(in.TagSpecifications) > 0 {
		return nil, r.unmodeled("cluster membership, DB security groups, domains, provisioned IOPS, processor features, monitoring or tag specifications")
	}
	engine := aws.ToString(in.Engine)
	if engine != "mysql" {
		return nil, r.unmodeled("engine %q (the model runs mysql only)", engine)
	}
	id := strings.ToLower(aws.ToString(in.DBInstanceIdentifier))
	if err := m.checkIdentifier("DBInstanceIdentifier", id, 63); err != nil {
		return nil, err
	}
	class := aws.ToString(in.DBInstanceClass)
	if !strings.HasPrefix(class, "db.") {
		return nil, m.fail("InvalidParameterValue", "Invalid DB Instance class: %s", class)
	}
	storage := aws.ToInt32(in.AllocatedStorage)
	if storage < 20 || storage > 65536 {
		return nil, m.fail("InvalidParameterValue", "Invalid storage size for engine name mysql and storage type %s: %d", aws.ToString(in.StorageType), storage)
	}
	user := aws.ToString(in.MasterUsername)
	if !masterUserPattern.MatchString(user) {
		return nil, m.fail("InvalidParameterValue", "The parameter MasterUsername is not a valid identifier: it must begin with a letter and contain 1 to 32 letters, digits or underscores.")
	}
	managed := aws.ToBool(in.ManageMasterUserPassword)
	switch {
	case managed && in.MasterUserPassword != nil:
		return nil, m.fail("InvalidParameterCombination", "You can't specify MasterUserPassword and ManageMasterUserPassword at the same time.")
	case !managed && in.MasterUserPassword == nil:
		return nil, m.fail("InvalidParameterValue", "The parameter MasterUserPassword must be provided and must not be blank.")
	case !managed:
		if err := m.checkPassword(*in.MasterUserPassword); err != nil {
			return nil, err
		}
	}
	if in.MasterUserSecretKmsKeyId != nil && !managed {
		return nil, m.fail("InvalidParameterCombination", "MasterUserSecretKmsKeyId requires ManageMasterUserPassword.")
	}
	multiAZ := aws.ToBool(in.MultiAZ)
	if multiAZ && in.AvailabilityZone != nil {
		return nil, m.fail("InvalidParameterCombination", "Requesting a specific availability zone is not valid for Multi-AZ instances.")
	}
	retention := int32(1)
	if in.BackupRetentionPeriod != nil {
		retention = *in.BackupRetentionPeriod
	}
	if retention < 0 || retention > 35 {
		return nil, m.fail("InvalidParameterValue", "Invalid backup retention period: %d. It must be between 0 and 35 days.", retention)
	}
	if in.KmsKeyId != nil && !aws.ToBool(in.StorageEncrypted) {
		return nil, m.fail("InvalidParameterCombination", "Encryption key provided without StorageEncrypted.")
	}
	version, ok := m.resolveVersion(aws.ToString(in.EngineVersion))
	if !ok {
		return nil, m.fail("InvalidParameterCombination", "Cannot find version %s for mysql", aws.ToString(in.EngineVersion))
	}
	if in.DBSubnetGroupName == nil {
		return nil, r.unmodeled("an instance without DBSubnetGroupName (the default subnet group)")
	}
	g := m.group(*in.DBSubnetGroupName)
	if g == nil {
		return nil, m.fail("DBSubnetGroupNotFoundFault", "DBSubnetGroup %s not found.", *in.DBSubnetGroupName)
	}
	for _, sg := range in.VpcSecurityGroupIds {
		if !slices.ContainsFunc(m.cloud.ec2().groups, func(x *securityGroup) bool { return x.id == sg && x.vpcID == g.vpcID }) {
			return nil, m.fail("InvalidParameterValue", "Invalid security group , groupId= %s, groupName=.", sg)
		}
	}
	if d := m.instance(id, r.now); d != nil {
		return nil, m.fail("DBInstanceAlreadyExists", "DB instance already exists")
	}
	zones := g.zones()
	primary := zones[m.nextZone%len(zones)]
	m.nextZone++
	if az := aws.ToString(in.AvailabilityZone); az != "" {
		if !slices.Contains(zones, az) {
			return nil, m.fail("InvalidParameterValue", "The DB subnet group %s has no subnet in Availability Zone %s.", g.name, az)
		}
		primary = az
	}
	secondary := ""
	if multiAZ {
		for i := 1; i < len(zones); i++ {
			if z := zones[(slices.Index(zones, primary)+i)%len(zones)]; z != primary {
				secondary = z
				break
			}
		}
	}
	o := m.cloud.opts.RDS
	creating := o.InstanceCreating
	if multiAZ {
		creating += o.StandbyCreating
	}
	d := &dbInstance{
		id: id, arn: m.arn("db", id), seq: m.next(), created: r.now, class: class, engine: engine, version: version,
		storage: storage, storageType: aws.ToString(in.StorageType), encrypted: aws.ToBool(in.StorageEncrypted),
		multiAZ: multiAZ, primary: primary, secondary: secondary, group: g,
		securityGroups: slices.Clone(in.VpcSecurityGroupIds), retention: retention,
		deletionProtection: aws.ToBool(in.DeletionProtection), copyTags: aws.ToBool(in.CopyTagsToSnapshot),
		iamAuth: aws.ToBool(in.EnableIAMDatabaseAuthentication), parameterGroup: aws.ToString(in.DBParameterGroupName),
		dbName: aws.ToString(in.DBName), masterUser: user, port: 3306, tags: copyRDSTags(in.Tags),
		creatingUntil: r.now.Add(creating),
	}
	d.resourceID = "db-" + strings.ToUpper(fmt.Sprintf("%026x", d.seq*0x9e3779b97f4a7c15))[:26]
	if d.storageType == "" {
		d.storageType = "gp2"
	}
	if in.Port != nil {
		d.port = *in.Port
	}
	if d.parameterGroup == "" {
		d.parameterGroup = "default.mysql" + version[:strings.LastIndex(version, ".")]
	}
	if d.encrypted {
		d.kmsKey = aws.ToString(in.KmsKeyId)
		if d.kmsKey == "" {
			d.kmsKey = fmt.Sprintf("arn:aws:kms:%s:%s:key/aws-rds-default", m.cloud.opts.Region, m.cloud.opts.AccountID)
		}
	}
	if managed {
		d.secretARN = fmt.Sprintf("arn:aws:secretsmanager:%s:%s:secret:rds!%s-AbCdEf", m.cloud.opts.Region, m.cloud.opts.AccountID, strings.ToLower(d.resourceID))
	}
	d.available = d.creatingUntil
	if retention > 0 {
		d.available = d.available.Add(o.InstanceBackingUp)
	}
	m.instances = append(m.instances, d)
	return &rds.CreateDBInstanceOutput{DBInstance: m.instanceOutput(d, r.now)}, nil
}

func (m *rdsModel) instanceOutput(d *dbInstance, now time.Time) *rdstypes.DBInstance {
	status := d.status(now)
	out := &rdstypes.DBInstance{
		DBInstanceIdentifier: aws.String(d.id), DBInstanceArn: aws.String(d.arn), DbiResourceId: aws.String(d.resourceID),
		DBInstanceClass: aws.String(d.class), Engine: aws.String(d.engine), EngineVersion: aws.String(d.version),
		DBInstanceStatus: aws.String(status), AllocatedStorage: aws.Int32(d.storage), StorageType: aws.String(d.storageType),
		StorageEncrypted: aws.Bool(d.encrypted), MultiAZ: aws.Bool(d.multiAZ), BackupRetentionPeriod: aws.Int32(d.retention),
		DeletionProtection: aws.Bool(d.deletionProtection), CopyTagsToSnapshot: aws.Bool(d.copyTags),
		IAMDatabaseAuthenticationEnabled: aws.Bool(d.iamAuth), MasterUsername: aws.String(d.masterUser),
		DbInstancePort: aws.Int32(0), PubliclyAccessible: aws.Bool(false), InstanceCreateTime: aws.Time(d.created),
		DBSubnetGroup: m.groupOutput(d.group), TagList: copyRDSTags(d.tags),
		DBParameterGroups: []rdstypes.DBParameterGroupStatus{{DBParameterGroupName: aws.String(d.parameterGroup), ParameterApplyStatus: aws.String("in-sync")}},
	}
	if d.dbName != "" {
		out.DBName = aws.String(d.dbName)
	}
	if d.kmsKey != "" {
		out.KmsKeyId = aws.String(d.kmsKey)
	}
	if d.secretARN != "" {
		out.MasterUserSecret = &rdstypes.MasterUserSecret{SecretArn: aws.String(d.secretARN), SecretStatus: aws.String("active"),
			KmsKeyId: aws.String(fmt.Sprintf("arn:aws:kms:%s:%s:key/aws-secretsmanager-default", m.cloud.opts.Region, m.cloud.opts.AccountID))}
	}
	primary, secondary := d.zones(now)
	out.AvailabilityZone = aws.String(primary)
	if d.multiAZ {
		out.SecondaryAvailabilityZone = aws.String(secondary)
	}
	for _, sg := range d.securityGroups {
		out.VpcSecurityGroups = append(out.VpcSecurityGroups, rdstypes.VpcSecurityGroupMembership{VpcSecurityGroupId: aws.String(sg), Status: aws.String("active")})
	}
	// RDS publishes the endpoint once the instance has been created.
	if status != "creating" {
		out.Endpoint = &rdstypes.Endpoint{Address: aws.String(d.id + "." + m.endpointSuffix()), Port: aws.Int32(d.port)}
	}
	return out
}

func (m *rdsModel) describeDBInstances(r *request, in *rds.DescribeDBInstancesInput) (*rds.DescribeDBInstancesOutput, error) {
	if len(in.Filters) > 0 {
		return nil, r.unmodeled("Filters")
	}
	limit, err := m.checkPageSize(in.MaxRecords)
	if err != nil {
		return nil, err
	}
	after, err := m.marker("DescribeDBInstances", in.Marker)
	if err != nil {
		return nil, err
	}
	var list []*dbInstance
	if id := aws.ToString(in.DBInstanceIdentifier); id != "" {
		d, err := m.mustInstance(id, r.now)
		if err != nil {
			return nil, err
		}
		list = []*dbInstance{d}
	} else {
		for _, d := range m.instances {
			if !d.gone(r.now) {
				list = append(list, d)
			}
		}
	}
	page, next := pageAfter("DescribeDBInstances", list, func(d *dbInstance) string { return seqKey(d.seq) }, after, limit)
	out := &rds.DescribeDBInstancesOutput{}
	for _, d := range page {
		out.DBInstances = append(out.DBInstances, *m.instanceOutput(d, r.now))
	}
	if next != "" {
		out.Marker = aws.String(next)
	}
	return out, nil
}

// modifyDBInstance models the one change cleanup needs: turning deletion protection off (or on),
// which RDS applies at once.
func (m *rdsModel) modifyDBInstance(r *request, in *rds.ModifyDBInstanceInput) (*rds.ModifyDBInstanceOutput, error) {
	rest := *in
	rest.DBInstanceIdentifier, rest.DeletionProtection, rest.ApplyImmediately = nil, nil, nil
	if !reflect.ValueOf(rest).IsZero() {
		return nil, r.unmodeled("a modification other than DeletionProtection")
	}
	d, err := m.mustInstance(aws.ToString(in.DBInstanceIdentifier), r.now)
	if err != nil {
		return nil, err
	}
	if in.DeletionProtection == nil || *in.DeletionProtection == d.deletionProtection {
		return nil, m.fail("InvalidParameterCombination", "No modifications were requested")
	}
	if s := d.status(r.now); s != "available" {
		return nil, m.fail("InvalidDBInstanceState", "Instance %s is not currently in the available state.", d.id)
	}
	d.deletionProtection = *in.DeletionProtection
	return &rds.ModifyDBInstanceOutput{DBInstance: m.instanceOutput(d, r.now)}, nil
}

func (m *rdsModel) rebootDBInstance(r *request, in *rds.RebootDBInstanceInput) (*rds.RebootDBInstanceOutput, error) {
	d, err := m.mustInstance(aws.ToString(in.DBInstanceIdentifier), r.now)
	if err != nil {
		return nil, err
	}
	if s := d.status(r.now); s != "available" {
		return nil, m.fail("InvalidDBInstanceState", "Instance %s is not currently in the available state.", d.id)
	}
	o := m.cloud.opts.RDS
	if aws.ToBool(in.ForceFailover) {
		if !d.multiAZ {
			return nil, m.fail("InvalidParameterCombination", "Cannot reboot with failover: DB instance %s is not a Multi-AZ instance.", d.id)
		}
		d.failovers.windows = append(d.failovers.windows, window{from: r.now, to: r.now.Add(o.Failover)})
	} else {
		d.reboots.windows = append(d.reboots.windows, window{from: r.now, to: r.now.Add(o.Rebooting)})
	}
	return &rds.RebootDBInstanceOutput{DBInstance: m.instanceOutput(d, r.now)}, nil
}

func (m *rdsModel) deleteDBInstance(r *request, in *rds.DeleteDBInstanceInput) (*rds.DeleteDBInstanceOutput, error) {
	d, err := m.mustInstance(aws.ToString(in.DBInstanceIdentifier), r.now)
	if err != nil {
		return nil, err
	}
	if !d.deletedAt.IsZero() {
		return nil, m.fail("InvalidDBInstanceState", "Instance %s is already being deleted.", d.id)
	}
	if d.deletionProtection {
		return nil, m.fail("InvalidParameterCombination", "Cannot delete protected DB Instance, please disable deletion protection and try again.")
	}
	skip := aws.ToBool(in.SkipFinalSnapshot)
	final := aws.ToString(in.FinalDBSnapshotIdentifier)
	switch {
	case skip && final != "":
		return nil, m.fail("InvalidParameterCombination", "Cannot specify both SkipFinalSnapshot and FinalDBSnapshotIdentifier.")
	case !skip && final == "":
		return nil, m.fail("InvalidParameterCombination", "FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is specified.")
	}
	if s := d.status(r.now); final != "" && s != "available" {
		return nil, m.fail("InvalidDBInstanceState", "Instance %s is currently %s - a final snapshot cannot be taken.", d.id, s)
	}
	if final != "" {
		if _, err := m.snapshotOf(d, final, nil, r.now); err != nil {
			return nil, err
		}
	}
	d.deletedAt = r.now
	d.goneAt = r.now.Add(m.cloud.opts.RDS.Deleting)
	return &rds.DeleteDBInstanceOutput{DBInstance: m.instanceOutput(d, r.now)}, nil
}

// FailDBInstance puts a DB instance into a failure status from the current virtual time on, as
// RDS does when storage fills up or the instance's parameters or network become unusable. The
// status must be one of [RDSFailureStatuses]. It panics if the instance does not exist or the
// status is not a failure status.
func (c *Cloud) FailDBInstance(id, status string) {
	if !slices.Contains(RDSFailureStatuses, status) {
		panic(fmt.Sprintf("awstest: FailDBInstance: %q is not one of %v", status, RDSFailureStatuses))
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.clock.Now()
	d := c.rds().instance(id, now)
	if d == nil {
		panic(fmt.Sprintf("awstest: FailDBInstance: no DB instance %q", id))
	}
	d.failedAt, d.failStatus = now, status
}

// DBInstanceReachable reports whether the DB instance accepts database connections at the
// current virtual time: false while it is creating, rebooting or failing over, in a failure
// status, deleting or gone. A drill's probe uses it in place of a SQL ping.
func (c *Cloud) DBInstanceReachable(id string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.clock.Now()
	d := c.rds().instance(id, now)
	return d != nil && d.reachable(now)
}
