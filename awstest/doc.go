// Package awstest is a simulated AWS region for tests and demos, used through real aws-sdk-go-v2
// clients, in the spirit of net/http/httptest.
//
// [New] starts a [Cloud]; [Cloud.Config] returns an aws.Config that SDK service clients use
// unchanged:
//
//	cloud := awstest.NewForTest(t) // or New, which returns an error for invalid options
//
//	ec2Client := ec2.NewFromConfig(cloud.Config())
//
// # How it plugs into the SDK
//
// The Config installs two middlewares in every operation's stack. An Initialize-step middleware
// keeps the typed input; a Deserialize-step middleware, added first so it runs after
// serialization, endpoint resolution, signing and the retryer and before the transport, answers
// the call from in-memory state with the typed output, or with the error the SDK would have built
// from AWS's response: the typed exception where the SDK defines one, a *smithy.GenericAPIError
// with AWS's code otherwise (every EC2 error), wrapped with the HTTP status AWS sends. So
// errors.As works as against AWS, and the SDK's own retryer retries throttling and server errors.
//
// S3 is not answered in the middleware: S3 calls go over HTTP to an embedded S3 server (gofakes3)
// on a loopback port, so the S3 wire protocol is real. The Config's endpoint is that server; its
// address is an IP, for which the SDK picks path-style addressing, and [Cloud.S3Client] also sets
// UsePathStyle. The Config's HTTP client refuses every other host, so nothing made from it can
// reach real AWS.
//
// A service or operation the cloud does not model fails with an [*UnmodeledError] (matched by
// [ErrUnmodeled]) naming it; it never succeeds silently. So does a request to a modeled operation
// that uses a feature the model does not implement (an ALB rule with two actions, say): its
// Feature names what is missing, rather than an AWS error code claiming AWS refused the request.
//
// # Pagination
//
// Every paginated operation below pages as AWS does (MaxResults/NextToken, Marker/PageSize,
// MaxItems/NextToken, with the operation's limits) and the SDK's paginators work unchanged. A
// token names the last item of its page, so resources created or deleted between two calls make
// the next page neither skip nor repeat the others. A token that is malformed or comes from
// another operation fails with the service's code: InvalidPaginationToken for EC2,
// ValidationError for both ELB APIs, InvalidArgsException for ACM.
//
// # Virtual time
//
// [Cloud.Clock] is a virtual [Clock] with Now and Sleep, so it can be handed to any code that takes
// a clock. Sleep returns at once after moving virtual time forward; [Clock.Advance] moves it from a
// test. The SDK retryer in the Config backs off on the virtual clock too, so a throttled call is
// retried without real waiting. Asynchronous state (an instance going from pending to running) is
// computed from virtual time whenever it is read: a deploy that waits twenty simulated minutes runs
// in milliseconds, and the same calls give the same results.
//
// # Fault injection
//
//   - [Cloud.ThrottleNext] and [Cloud.ThrottleFraction] throttle calls with the service's own
//     throttling error (RequestLimitExceeded for EC2, SlowDown for S3).
//   - [Cloud.FailNext] fails the next calls of an operation with any AWS error code.
//   - [Cloud.LoseResponseNext] lets calls take effect and loses their responses (a connection
//     reset the SDK retryer retries), so a create call arrives twice as it can against AWS.
//   - [Cloud.DelayVisibility] delays read-after-create visibility (InvalidInstanceID.NotFound
//     right after RunInstances).
//   - [Cloud.FailZone] fails an Availability Zone: launches there get InsufficientInstanceCapacity
//     and its instances stop answering health checks ([Cloud.InstanceHealthy]);
//     [Cloud.FailInstance] does that for one instance.
//
// Randomness (fractional throttling, retry jitter) comes from a source seeded by Options.Seed.
//
// # Call log
//
// Every call that reaches the cloud is recorded, each SDK retry attempt separately, with a deep
// copy of its input, virtual time, attempt number and error: [Cloud.Calls] returns a [CallLog]
// with helpers to filter and count.
//
// # Modeled operations
//
// EC2 (service ID "EC2"). The region has three Availability Zones by default, a default VPC
// (172.31.0.0/16) with one default subnet per zone and a default security group, and the Amazon
// Linux 2023 images that [DefaultImages] lists; [Cloud.RegisterImage] adds images.
//   - Network: DescribeAvailabilityZones, DescribeVpcs and DescribeSubnets (both with pagination),
//     CreateSubnet (IPv4: a /16 to /28 inside the VPC's block, overlapping no other subnet, in a
//     zone of the region; tags; the model picks the first zone when none is given).
//   - Security groups: CreateSecurityGroup, DescribeSecurityGroups (pagination),
//     AuthorizeSecurityGroupIngress, DeleteSecurityGroup.
//   - Images: DescribeImages (ImageIds, Owners incl. "self" and "amazon", filters such as name
//     with * and ? wildcards, owner-id, architecture, tag:Key; pagination; images past their
//     [Image].DeprecationTime only with IncludeDeprecated, by ID or to their owner).
//   - Launch templates: CreateLaunchTemplate, CreateLaunchTemplateVersion (with SourceVersion),
//     DescribeLaunchTemplates, DescribeLaunchTemplateVersions ($Latest, $Default, numbers,
//     Min/MaxVersion), both with pagination, ModifyLaunchTemplate (default version),
//     DeleteLaunchTemplate, DeleteLaunchTemplateVersions (never the default version; numbers are
//     not reused).
//   - Instances: RunInstances (image or launch template, subnet or zone placement, MinCount and
//     MaxCount, security groups, user data, IMDS options, tags, client token idempotency),
//     DescribeInstances (InstanceIds; filters instance-id, instance-state-name, tag:Key,
//     availability-zone, subnet-id, vpc-id and more; MaxResults/NextToken pagination),
//     TerminateInstances. States: pending for Options.InstancePending, running, then after
//     termination shutting-down for Options.InstanceShuttingDown, terminated, and gone after
//     Options.TerminatedRetention.
//   - EBS (ec2_volumes.go): CreateVolume (zone, size or snapshot, type limits, tags),
//     DescribeVolumes and DescribeSnapshots (ids; filters volume-id, status, tag:Key and more;
//     pagination), DeleteVolume, CreateSnapshot (tags), DeleteSnapshot. A volume is creating for
//     Options.VolumeCreating, then available; a snapshot is pending (Progress grows) for
//     Options.SnapshotDuration, then completed, or error when [Cloud.FailSnapshots] was in force
//     for its volume when it started. Codes: InvalidVolume.NotFound, InvalidSnapshot.NotFound,
//     InvalidZone.NotFound, IncorrectState.
//   - Tags: CreateTags, DeleteTags on instances, images, security groups, subnets, VPCs,
//     launch templates, volumes and snapshots.
//
// Inputs are validated as EC2 validates them, with EC2's error codes: InvalidParameterValue,
// MissingParameter, InvalidParameterCombination, InvalidSubnet.Range, InvalidSubnet.Conflict,
// InvalidVpcID.NotFound, InvalidAMIID.NotFound and .Malformed,
// InvalidInstanceID.NotFound and .Malformed, InvalidLaunchTemplateName.AlreadyExistsException,
// InvalidLaunchTemplateId.VersionNotFound, InvalidGroup.Duplicate, InvalidPermission.Duplicate,
// IdempotentParameterMismatch, InsufficientInstanceCapacity and others. A request with DryRun set
// fails with DryRunOperation and changes nothing.
//
// Elastic Load Balancing v2 (service ID "Elastic Load Balancing v2"): Application and Network
// Load Balancers in the account's subnets. DescribeLoadBalancers, DescribeTargetGroups,
// DescribeListeners, DescribeRules and DescribeSSLPolicies take Marker and PageSize; errors are
// the SDK's typed exceptions.
//   - Load balancers: CreateLoadBalancer (an ALB needs subnets in two zones; idempotent for the
//     same settings, DuplicateLoadBalancerName otherwise), DescribeLoadBalancers (provisioning
//     for [LoadBalancerProvisioning], then active), DeleteLoadBalancer.
//   - Target groups: CreateTargetGroup (health check defaults and ranges, interval above
//     timeout), DescribeTargetGroups, ModifyTargetGroup, DeleteTargetGroup,
//     DescribeTargetGroupAttributes, ModifyTargetGroupAttributes (deregistration delay,
//     stickiness with the reserved AWSALB* cookie prefixes refused, slow start).
//   - Listeners and rules: CreateListener (HTTPS and TLS need an issued ACM certificate; without
//     SslPolicy they get the API's [DefaultSSLPolicy]; idempotent for the same settings,
//     DuplicateListener otherwise), DescribeListeners, CreateRule
//     (host-header and path-pattern conditions), DescribeRules, DescribeSSLPolicies (the
//     predefined ELBSecurityPolicy names). CreateListener takes exactly one (default)
//     certificate and DescribeListeners names only it, as in ELB. ModifyListener changes the
//     default certificate, SSL policy or default actions (port, protocol, ALPN and mutual TLS
//     changes are unmodeled); AddListenerCertificates (SNI; one already listed is not added
//     again; at most 25), RemoveListenerCertificates (not the default) and
//     DescribeListenerCertificates (IsDefault marks the default). Certificates may be ACM or IAM
//     server certificates.
//   - Tags: DescribeTags for load balancers and target groups (the tags they were created with).
//   - Targets: RegisterTargets (running instances in the group's VPC), DeregisterTargets,
//     DescribeTargetHealth. Health checks run every interval after registration on the virtual
//     clock: initial, healthy after one passing check, unhealthy after the unhealthy threshold of
//     failures (Target.ResponseCodeMismatch for HTTP checks, Target.FailedHealthChecks for TCP,
//     Target.Timeout in a failed zone), healthy again after the healthy threshold of passes;
//     draining for the deregistration delay (at once for a target that never served), then
//     gone; unused with Target.NotInUse when no listener forwards to the group or the target's
//     zone is not enabled. Faults apply to the checks made since the target was last observed.
//     [Cloud.TargetTransitions] lists every state change with its virtual time.
//   - [Cloud.DelayVisibility] hides what is new from reads: load balancers (LoadBalancerNotFound),
//     target groups (TargetGroupNotFound), listeners (ListenerNotFound, also to CreateRule, and
//     missing from listings), rules (missing from DescribeRules, RuleNotFound by ARN) and
//     registrations (DescribeTargetHealth reports the target unused with Target.NotRegistered
//     and leaves it out of a full listing). They take effect at once all the same: a hidden
//     listener routes and a hidden registration is health checked.
//
// Elastic Load Balancing (service ID "Elastic Load Balancing"), the Classic Load Balancer:
// CreateLoadBalancer (idempotent for the same zones, scheme and listeners), DescribeLoadBalancers
// (Marker/PageSize), DeleteLoadBalancer, RegisterInstancesWithLoadBalancer,
// DeregisterInstancesFromLoadBalancer, DescribeInstanceHealth (OutOfService until
// HealthyThreshold passes; a deregistered instance stays InService with
// [ClassicDrainingDescription] while connection draining runs), ConfigureHealthCheck,
// DescribeLoadBalancerAttributes, ModifyLoadBalancerAttributes, CreateLBCookieStickinessPolicy,
// SetLoadBalancerPoliciesOfListener, SetLoadBalancerListenerSSLCertificate (HTTPS and SSL
// listeners; an ACM certificate or an IAM server certificate), DescribeTags (the tags given at
// creation).
//
// ACM (service ID "ACM"): ListCertificates (only RSA_2048 unless Includes.KeyTypes names more,
// as in ACM; statuses; MaxItems/NextToken; InUse; the first [ACMOptions].SummaryNames names,
// 100 as in ACM, then HasAdditionalSubjectAlternativeNames; none with OmitSummaryNames, as some
// emulators answer) and DescribeCertificate (InUseBy lists the
// load balancers of both ELB APIs whose listeners use it), over certificates added with
// [Cloud.AddCertificate] or imported: ImportCertificate (one PEM certificate, a matching
// unencrypted RSA or EC key of at most 5 KB, valid at the time of import, an optional chain that
// signs it; with CertificateArn a re-import into the same ARN, keeping the key type and refusing
// tags; names, key algorithm, serial and validity are read from the PEM; an imported certificate
// reads EXPIRED after NotAfter), GetCertificate (imported ones), DeleteCertificate
// (ResourceInUseException while a listener uses it), AddTagsToCertificate and
// ListTagsForCertificate.
//
// IAM (service ID "IAM"): server certificates only: UploadServerCertificate (names unique
// regardless of case, EntityAlreadyExists; KeyPairMismatch; MalformedCertificate for unparsable
// or expired certificates and chains that do not sign them), GetServerCertificate,
// DeleteServerCertificate (DeleteConflict while a Classic listener uses it),
// ListServerCertificates (PathPrefix, Marker/MaxItems) and ListServerCertificateTags (the Tags
// given at upload, at most 50).
//
// Route 53 (service ID "Route 53"), a global service: CreateHostedZone (public, or private with a
// VPC; CallerReference is unique, HostedZoneAlreadyExists otherwise; NS and SOA records),
// GetHostedZone, DeleteHostedZone (HostedZoneNotEmpty while other records remain),
// ListHostedZonesByName (ordered by name with labels reversed, then ID; DNSName/HostedZoneId paging),
// ListResourceRecordSets (same order; StartRecordName/Type/Identifier paging; names lowercase with
// a trailing dot, a wildcard's "*" as "\052"),
// ChangeResourceRecordSets and GetChange. A change batch is atomic and checked change by change
// against the zone as the earlier changes left it: simple, alias, failover and weighted record
// sets are stored; InvalidChangeBatch carries Route 53's messages (a missing delete, a delete whose
// values differ, a duplicate create, a CNAME at the apex or next to other records, a name outside
// the zone, an alias whose target is not found or does not lie in the alias's hosted zone, more than
// 1,000 records or 32,000 characters of values with UPSERT counting twice), one in Message or
// several in Messages as the SDK reports them. Aliases may target record sets of the account's
// zones and this cloud's load balancers, with the canonical hosted zone IDs both ELB APIs report
// for the region (AWS's values). A change is PENDING for Route53Options.ChangePropagation of
// virtual time, then INSYNC ([Cloud.Route53ChangeInSync] tells when); with
// Route53Options.PriorRequestNotComplete a zone refuses changes
// with PriorRequestNotComplete while its previous change is PENDING. Health checks:
// CreateHealthCheck (idempotent by CallerReference: the same settings return the existing check,
// other settings or a deleted check's reference give HealthCheckAlreadyExists), GetHealthCheck,
// ListHealthChecks, DeleteHealthCheck (HealthCheckInUse while a record set names it). Tags on
// hosted zones and health checks: ChangeTagsForResource, ListTagsForResource. Throttled calls get
// Throttling ("Rate exceeded", HTTP 400).
//
// Auto Scaling (service ID "Auto Scaling"), groups from launch templates whose state advances on
// the virtual clock every [AutoScalingOptions].Tick (computed when read, no goroutines):
//   - Groups: CreateAutoScalingGroup (launch template, AvailabilityZones or VPCZoneIdentifier,
//     TargetGroupARNs, EC2 or ELB health checks with a grace period, default instance warmup,
//     termination policies Default, OldestInstance, NewestInstance and OldestLaunchTemplate,
//     tags, capacity rebalance), UpdateAutoScalingGroup, SetDesiredCapacity,
//     DescribeAutoScalingGroups, DescribeAutoScalingInstances, DeleteAutoScalingGroup
//     (ResourceInUse with instances unless ForceDelete), Attach/DetachLoadBalancerTargetGroups,
//     CreateOrUpdateTags, DeleteTags, DescribeTags (filters auto-scaling-group, key, value,
//     propagate-at-launch; MaxRecords/NextToken); LifecycleHookSpecificationList at creation. A group launches instances through the EC2 model in the
//     zone with the fewest, trying the others when EC2 has no capacity (a failed zone), and
//     scales in from the zone with the most. Instances go Pending, then (with a launching hook)
//     Pending:Wait, InService (registered with the group's target groups, so ELBv2 health checks
//     apply), Terminating (deregistered; draining for the target group's deregistration delay),
//     Terminating:Wait (terminating hook), Terminating:Proceed, Terminated. An instance that
//     stops running, whose zone failed, or (health check type ELB, after the grace period) that a
//     target group reports unhealthy, is replaced. [Cloud.AutoScalingTransitions] lists every
//     lifecycle state change with its virtual time.
//   - DescribeScalingActivities: a launch that fails in every zone is a Failed activity whose
//     StatusMessage is EC2's error plus "Launching EC2 instance failed." (a template whose AMI
//     does not exist, say); the group retries after [AutoScalingOptions].LaunchRetry.
//   - Lifecycle hooks: PutLifecycleHook (launching and terminating, heartbeat 30-7200 s, default
//     result), DescribeLifecycleHooks, DeleteLifecycleHook, CompleteLifecycleAction and
//     RecordLifecycleActionHeartbeat by instance ID or token (ValidationError "No active
//     Lifecycle Action found with instance ID ..." / "... with token ..." otherwise). An action
//     that times out applies the default result; ABANDON on launch terminates the instance.
//     [Cloud.LifecycleActionToken] gives the token a notification would carry;
//     [Cloud.DelayVisibility] hides new actions for a while, as AWS's eventual consistency does.
//   - Instance refresh: StartInstanceRefresh (Rolling; min and max healthy percentage, instance
//     warmup, checkpoints with their delay, skip matching, auto rollback, desired configuration;
//     InstanceRefreshInProgress while one is active), DescribeInstanceRefreshes (status,
//     PercentageComplete, InstancesToUpdate, StatusReason), CancelInstanceRefresh and
//     RollbackInstanceRefresh (ActiveInstanceRefreshNotFound, IrreversibleInstanceRefresh).
//     Instances are replaced in batches that keep the minimum healthy percentage of the desired
//     capacity in service and healthy in the target groups (a new instance counts once its warmup
//     has passed), with at most the maximum healthy percentage running; repeated launch
//     failures fail the refresh, or roll it back under AutoRollback.
//   - Scaling policies: PutScalingPolicy (target tracking on predefined metrics, including
//     ALBRequestCountPerTarget with a checked resource label, or a customized metric; step and
//     simple scaling), DescribePolicies, DeletePolicy. Policies are stored, not evaluated.
//
// SSM (service ID "SSM"): GetParameter and GetParameters over the public Amazon Linux 2023 AMI
// parameters under [AmazonLinuxParameterPrefix] (the newest matching image of the EC2 model) and
// parameters set with [Cloud.SetParameter]; ParameterNotFound otherwise.
//
// S3 (service ID "S3"): every operation gofakes3 implements, over the wire, plus the bucket
// configuration a backup bucket needs, answered by a layer in front of gofakes3 with S3's XML,
// codes and statuses (s3_bucketconfig.go): Put/Get/DeleteBucketLifecycle(Configuration),
// Put/Get/DeletePublicAccessBlock, Put/GetObjectLockConfiguration and CreateBucket with Object
// Lock (which enables versioning). Other bucket subresources (policy, encryption, replication,
// ...) fail with 501 NotImplemented.
//
// RDS (service ID "RDS"): MySQL DB instances in DB subnet groups over the EC2 model's subnets;
// errors are the SDK's typed faults with RDS's HTTP statuses (404 for DBInstanceNotFound,
// DBSnapshotNotFound, DBSubnetGroupNotFoundFault; 400 otherwise). Durations are [RDSOptions].
//   - Subnet groups: CreateDBSubnetGroup (subnets of one VPC covering at least two zones, else
//     DBSubnetGroupDoesNotCoverEnoughAZs naming the zones covered), DescribeDBSubnetGroups,
//     DeleteDBSubnetGroup (refused while an instance uses it).
//   - Instances: CreateDBInstance (engine mysql; identifier, storage, master user and password
//     rules of RDS for MySQL, the password never echoed; MasterUserPassword or
//     ManageMasterUserPassword, not both; MultiAZ picks a primary and a secondary zone from the
//     subnet group; DBInstanceAlreadyExists), DescribeDBInstances (MaxRecords/Marker),
//     ModifyDBInstance (DeletionProtection only), RebootDBInstance (ForceFailover on Multi-AZ
//     instances only), DeleteDBInstance (deletion protection, final snapshot or
//     SkipFinalSnapshot). Status: creating (plus StandbyCreating for Multi-AZ), backing-up when
//     backups are on, available; rebooting during a reboot; a forced failover is a window on the
//     virtual timeline at whose end AvailabilityZone and SecondaryAvailabilityZone swap;
//     deleting, then gone. The endpoint appears once creating ends. [Cloud.FailDBInstance] puts
//     an instance into a failure status; [Cloud.DBInstanceReachable] says whether it accepts
//     connections (a drill's probe). Parameter groups are recorded by name, not modeled.
//   - Snapshots: CreateDBSnapshot (the instance must be available; DBSnapshotAlreadyExists),
//     DescribeDBSnapshots (by identifier or instance, MaxRecords/Marker; the model takes no
//     automated snapshots), DeleteDBSnapshot (available snapshots only), CopyDBSnapshot. A
//     snapshot or copy is creating, then available. The cloud is one region: a copy whose source
//     is another region's snapshot ARN reads it from a cloud linked with
//     [Cloud.LinkRDSSourceRegion] and fails as unmodeled without one; an encrypted source needs
//     a KmsKeyId of the destination region (KMSKeyNotAccessibleFault for another region's key).
//
// # Adding a service model
//
// A service model is a self-contained unit: files named after the service in this package, with
// its own state, options and handlers. The core (middleware, clock, faults, call log, pagination)
// knows nothing of any service.
//
//  1. A model type holding the service's state, guarded by Cloud.mu, with a method
//     service() *service, and a constructor func(*Cloud) model that calls
//     newService(serviceID, throttleCode, throttleHTTPStatus) with the SDK's service ID (the
//     ServiceID constant in the SDK package's api_client.go, for example "Elastic Load Balancing
//     v2"), sets service.newError to return the SDK's typed exceptions for the codes that have one
//     (typedError over a table in exceptions.go listing every exception type in the SDK package's
//     types/errors.go by the code its ErrorCode reports), and registers each operation with
//     handle(svc, "OperationName", model.method). Handlers take the SDK's input type and return
//     its output type, so the compiler checks the shapes. A typed accessor for other models:
//     func (c *Cloud) rds() *rdsModel { return modelOf[*rdsModel](c, ServiceRDS) }.
//  2. Its settings, if any, in an exported <Service>Options type with documented zero-value
//     defaults, withDefaults() and problems() []string (see [EC2Options]), reached as one field of
//     [Options]; the model reads them from c.opts.
//  3. Its constructor in the list in registerServices (services.go), after the models it uses,
//     and a Service... constant for the service ID.
//  4. Handlers run with Cloud.mu held and must not call Cloud's exported methods (they lock). They
//     read the call's virtual time from request.now, compute asynchronous state from it rather
//     than from goroutines, return fresh output values (never pointers into the model's state),
//     copy what they keep from the input, and fail with svc.errorf(code, ...) (HTTP 400) or
//     svc.statusErrorf(status, code, ...) using AWS's real codes and messages. A request using a
//     feature the model does not implement fails with request.unmodeled(feature), never with an
//     AWS code. Listings page with pageAfter (tokens that name the last item, see Pagination).
//     service.before runs ahead of every handler of a service (EC2 uses it for DryRun).
//  5. Faults that act on state (a zone outage, an instance that stops answering, a DB failover)
//     are windows on the virtual timeline (faults.go: timeline, with start, end and at(t)); lazily
//     computed state asks at(t) for the instant it is computing, never "is it failed now", so an
//     unobserved fault still leaves its transitions and none is stamped before its cause.
//  6. Other models are reached through their accessors under the same lock:
//     c.instanceHealthy(id, t) tells a load balancer model whether an instance answers health
//     checks at t (zone and instance faults included); c.ec2().instance(id) and
//     instance.state(now, c.opts.EC2) give an instance's zone and state;
//     c.ec2().launch(now, spec, count, token) with spec from c.ec2().specFromTemplate starts
//     instances and c.ec2().terminate(instance, now) stops them (for Auto Scaling);
//     c.visibleFrom(serviceID, now) applies DelayVisibility; c.zoneFailed(zone, t) tells whether
//     FailZone was in force at t.
//  7. The operation list above, and tests with the real SDK client in <service>_test.go.
package awstest
