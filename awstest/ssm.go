package awstest

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

// ServiceSSM is AWS Systems Manager; the model answers Parameter Store reads.
const ServiceSSM = "SSM"

// AmazonLinuxParameterPrefix is the path of the public parameters that name the latest Amazon
// Linux AMIs. The SSM model answers al2023-ami-kernel-default-<arch> and
// al2023-ami-kernel-6.1-<arch> under it with the newest Amazon Linux 2023 image of the EC2
// model's catalogue for x86_64 and arm64.
const AmazonLinuxParameterPrefix = "/aws/service/ami-amazon-linux-latest/"

// ssmModel is the read side of Parameter Store: the public AMI parameters, plus parameters
// that tests set with [Cloud.SetParameter].
type ssmModel struct {
	cloud  *Cloud
	svc    *service
	params map[string]*ssmParam
}

type ssmParam struct {
	value    string
	version  int64
	modified time.Time
}

func newSSMModel(c *Cloud) model {
	m := &ssmModel{cloud: c, svc: newService(ServiceSSM, "ThrottlingException", http.StatusBadRequest), params: map[string]*ssmParam{}}
	m.svc.newError = func(code, msg string) error { return typedError(ssmExceptions, code, msg) }
	handle(m.svc, "GetParameter", m.getParameter)
	handle(m.svc, "GetParameters", m.getParameters)
	return m
}

var ssmExceptions = map[string]exception{
	"ParameterNotFound":        func(m *string) error { return &ssmtypes.ParameterNotFound{Message: m} },
	"ParameterVersionNotFound": func(m *string) error { return &ssmtypes.ParameterVersionNotFound{Message: m} },
	"InvalidKeyId":             func(m *string) error { return &ssmtypes.InvalidKeyId{Message: m} },
	"InternalServerError":      func(m *string) error { return &ssmtypes.InternalServerError{Message: m} },
}

func (m *ssmModel) service() *service { return m.svc }

// SetParameter sets a String parameter, as PutParameter would (each call adds a version); a name
// under /aws/service/ overrides the public parameter of that name. It is safe for concurrent use.
func (c *Cloud) SetParameter(name, value string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := modelOf[*ssmModel](c, ServiceSSM)
	p := m.params[name]
	if p == nil {
		p = &ssmParam{}
		m.params[name] = p
	}
	p.value, p.version, p.modified = value, p.version+1, c.clock.Now()
}

// lookup returns the parameter's value, version and time, or false.
func (m *ssmModel) lookup(name string) (ssmParam, bool) {
	if p, ok := m.params[name]; ok {
		return *p, true
	}
	rest, ok := strings.CutPrefix(name, AmazonLinuxParameterPrefix)
	if !ok {
		return ssmParam{}, false
	}
	var arch string
	for _, prefix := range []string{"al2023-ami-kernel-default-", "al2023-ami-kernel-6.1-"} {
		if a, ok := strings.CutPrefix(rest, prefix); ok {
			arch = a
		}
	}
	if arch != "x86_64" && arch != "arm64" {
		return ssmParam{}, false
	}
	var best *image
	for _, img := range m.cloud.ec2().images {
		if img.OwnerID == AmazonOwnerID && img.Architecture == arch && strings.HasPrefix(img.Name, "al2023-ami-2023.") &&
			(best == nil || img.CreationDate.After(best.CreationDate)) {
			best = img
		}
	}
	if best == nil {
		return ssmParam{}, false
	}
	return ssmParam{value: best.ID, version: 1, modified: best.CreationDate}, true
}

func (m *ssmModel) output(name string, p ssmParam) ssmtypes.Parameter {
	arn := fmt.Sprintf("arn:aws:ssm:%s:%s:parameter/%s", m.cloud.opts.Region, m.cloud.opts.AccountID, strings.TrimPrefix(name, "/"))
	if strings.HasPrefix(name, "/aws/service/") {
		arn = fmt.Sprintf("arn:aws:ssm:%s::parameter%s", m.cloud.opts.Region, name)
	}
	return ssmtypes.Parameter{Name: aws.String(name), Value: aws.String(p.value), Version: p.version, Type: ssmtypes.ParameterTypeString,
		DataType: aws.String("text"), ARN: aws.String(arn), LastModifiedDate: aws.Time(p.modified)}
}

func (m *ssmModel) getParameter(r *request, in *ssm.GetParameterInput) (*ssm.GetParameterOutput, error) {
	name := aws.ToString(in.Name)
	if strings.Contains(name, ":") {
		return nil, r.unmodeled("parameter versions and labels")
	}
	p, ok := m.lookup(name)
	if !ok {
		return nil, m.svc.errorf("ParameterNotFound", "")
	}
	out := m.output(name, p)
	return &ssm.GetParameterOutput{Parameter: &out}, nil
}

func (m *ssmModel) getParameters(r *request, in *ssm.GetParametersInput) (*ssm.GetParametersOutput, error) {
	if len(in.Names) == 0 || len(in.Names) > 10 {
		return nil, m.svc.errorf("ValidationException", "1 validation error detected: Value at 'names' failed to satisfy constraint: Member must have length less than or equal to 10 and greater than or equal to 1")
	}
	out := &ssm.GetParametersOutput{Parameters: []ssmtypes.Parameter{}, InvalidParameters: []string{}}
	for _, name := range in.Names {
		if strings.Contains(name, ":") {
			return nil, r.unmodeled("parameter versions and labels")
		}
		if p, ok := m.lookup(name); ok {
			out.Parameters = append(out.Parameters, m.output(name, p))
		} else if !contains(out.InvalidParameters, name) {
			out.InvalidParameters = append(out.InvalidParameters, name)
		}
	}
	sort.Slice(out.Parameters, func(i, j int) bool {
		return aws.ToString(out.Parameters[i].Name) < aws.ToString(out.Parameters[j].Name)
	})
	return out, nil
}
