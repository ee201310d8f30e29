package awstest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// launchTemplate is a launch template with its versions; version n is versions[n-1].
type launchTemplate struct {
	id, name       string
	created        time.Time
	defaultVersion int64
	versions       []*ltVersion
	tags           tags
}

type ltVersion struct {
	number      int64
	description string
	created     time.Time
	data        ec2types.ResponseLaunchTemplateData
	// deleted marks a version removed by DeleteLaunchTemplateVersions; numbers are never reused.
	deleted bool
}

var (
	ltNamePattern = regexp.MustCompile(`^[a-zA-Z0-9().\-/_]{3,128}$`)
	ltIDPattern   = regexp.MustCompile(`^lt-[0-9a-f]{17}$`)
)

// maxUserData is EC2's limit on user data, before base64 encoding (User Guide, "Run commands when
// you launch an EC2 instance with user data input").
const maxUserData = 16 * 1024

func (e *ec2Model) registerLaunchTemplates() {
	handle(e.svc, "CreateLaunchTemplate", e.createLaunchTemplate)
	handle(e.svc, "CreateLaunchTemplateVersion", e.createLaunchTemplateVersion)
	handle(e.svc, "DescribeLaunchTemplates", e.describeLaunchTemplates)
	handle(e.svc, "DescribeLaunchTemplateVersions", e.describeLaunchTemplateVersions)
	handle(e.svc, "ModifyLaunchTemplate", e.modifyLaunchTemplate)
	handle(e.svc, "DeleteLaunchTemplate", e.deleteLaunchTemplate)
	handle(e.svc, "DeleteLaunchTemplateVersions", e.deleteLaunchTemplateVersions)
}

// deleteLaunchTemplateVersions deletes numbered versions; the default version cannot be deleted.
// Each version succeeds or fails on its own, as in EC2.
func (e *ec2Model) deleteLaunchTemplateVersions(r *request, in *ec2.DeleteLaunchTemplateVersionsInput) (*ec2.DeleteLaunchTemplateVersionsOutput, error) {
	lt, err := e.findTemplate(in.LaunchTemplateId, in.LaunchTemplateName)
	if err != nil {
		return nil, err
	}
	if len(in.Versions) == 0 {
		return nil, e.errorf("MissingParameter", "The request must contain the parameter LaunchTemplateVersion")
	}
	if len(in.Versions) > 200 {
		return nil, e.errorf("InvalidParameterValue", "You can specify up to 200 launch template version numbers per request.")
	}
	out := &ec2.DeleteLaunchTemplateVersionsOutput{
		SuccessfullyDeletedLaunchTemplateVersions:   []ec2types.DeleteLaunchTemplateVersionsResponseSuccessItem{},
		UnsuccessfullyDeletedLaunchTemplateVersions: []ec2types.DeleteLaunchTemplateVersionsResponseErrorItem{},
	}
	for _, ref := range in.Versions {
		n, err := strconv.ParseInt(ref, 10, 64)
		fail := func(code ec2types.LaunchTemplateErrorCode, msg string) {
			item := ec2types.DeleteLaunchTemplateVersionsResponseErrorItem{LaunchTemplateId: aws.String(lt.id), LaunchTemplateName: aws.String(lt.name),
				ResponseError: &ec2types.ResponseError{Code: code, Message: aws.String(msg)}}
			if err == nil {
				item.VersionNumber = aws.Int64(n)
			}
			out.UnsuccessfullyDeletedLaunchTemplateVersions = append(out.UnsuccessfullyDeletedLaunchTemplateVersions, item)
		}
		switch {
		case err != nil || n < 1 || n > int64(len(lt.versions)) || lt.versions[n-1].deleted:
			fail(ec2types.LaunchTemplateErrorCodeLaunchTemplateVersionDoesNotExist, fmt.Sprintf("The specified launch template version %s does not exist.", ref))
		case n == lt.defaultVersion:
			fail(ec2types.LaunchTemplateErrorCodeUnexpectedError, "Cannot delete the default version of a launch template.")
		default:
			lt.versions[n-1].deleted = true
			out.SuccessfullyDeletedLaunchTemplateVersions = append(out.SuccessfullyDeletedLaunchTemplateVersions,
				ec2types.DeleteLaunchTemplateVersionsResponseSuccessItem{LaunchTemplateId: aws.String(lt.id), LaunchTemplateName: aws.String(lt.name), VersionNumber: aws.Int64(n)})
		}
	}
	return out, nil
}

// latest returns the template's newest version that has not been deleted.
func (lt *launchTemplate) latest() *ltVersion {
	for k := len(lt.versions) - 1; k > 0; k-- {
		if !lt.versions[k].deleted {
			return lt.versions[k]
		}
	}
	return lt.versions[0]
}

func (e *ec2Model) createLaunchTemplate(r *request, in *ec2.CreateLaunchTemplateInput) (*ec2.CreateLaunchTemplateOutput, error) {
	name := aws.ToString(in.LaunchTemplateName)
	if !ltNamePattern.MatchString(name) {
		return nil, e.errorf("InvalidLaunchTemplateName.MalformedException", "A launch template name must be between 3 and 128 characters, and may contain letters, numbers, and the following characters: - ( ) . / _.")
	}
	for _, lt := range e.templates {
		if lt.name == name {
			return nil, e.errorf("InvalidLaunchTemplateName.AlreadyExistsException", "Launch template name already in use.")
		}
	}
	if in.LaunchTemplateData == nil {
		return nil, e.errorf("MissingParameter", "The request must contain the parameter LaunchTemplateData")
	}
	data, warning, err := e.templateData(nil, in.LaunchTemplateData)
	if err != nil {
		return nil, err
	}
	t, err := e.tagsFor(in.TagSpecifications, ec2types.ResourceTypeLaunchTemplate, ec2types.ResourceTypeLaunchTemplate)
	if err != nil {
		return nil, err
	}
	lt := &launchTemplate{id: e.newID("lt"), name: name, created: r.now, defaultVersion: 1, tags: t}
	lt.versions = []*ltVersion{{number: 1, description: aws.ToString(in.VersionDescription), created: r.now, data: data}}
	e.templates = append(e.templates, lt)
	return &ec2.CreateLaunchTemplateOutput{LaunchTemplate: e.describeTemplate(lt), Warning: warning}, nil
}

func (e *ec2Model) createLaunchTemplateVersion(r *request, in *ec2.CreateLaunchTemplateVersionInput) (*ec2.CreateLaunchTemplateVersionOutput, error) {
	lt, err := e.findTemplate(in.LaunchTemplateId, in.LaunchTemplateName)
	if err != nil {
		return nil, err
	}
	if in.LaunchTemplateData == nil {
		return nil, e.errorf("MissingParameter", "The request must contain the parameter LaunchTemplateData")
	}
	var base *ec2types.ResponseLaunchTemplateData
	if src := aws.ToString(in.SourceVersion); src != "" {
		v, err := e.templateVersion(lt, src)
		if err != nil {
			return nil, err
		}
		base = &v.data
	}
	data, warning, err := e.templateData(base, in.LaunchTemplateData)
	if err != nil {
		return nil, err
	}
	v := &ltVersion{number: int64(len(lt.versions) + 1), description: aws.ToString(in.VersionDescription), created: r.now, data: data}
	lt.versions = append(lt.versions, v)
	return &ec2.CreateLaunchTemplateVersionOutput{LaunchTemplateVersion: e.describeVersion(lt, v), Warning: warning}, nil
}

func (e *ec2Model) describeLaunchTemplates(r *request, in *ec2.DescribeLaunchTemplatesInput) (*ec2.DescribeLaunchTemplatesOutput, error) {
	for _, id := range in.LaunchTemplateIds {
		if _, err := e.findTemplate(aws.String(id), nil); err != nil {
			return nil, err
		}
	}
	for _, name := range in.LaunchTemplateNames {
		if _, err := e.findTemplate(nil, aws.String(name)); err != nil {
			return nil, err
		}
	}
	var matched []ec2types.LaunchTemplate
	for _, lt := range e.templates {
		if len(in.LaunchTemplateIds) > 0 && !contains(in.LaunchTemplateIds, lt.id) {
			continue
		}
		if len(in.LaunchTemplateNames) > 0 && !contains(in.LaunchTemplateNames, lt.name) {
			continue
		}
		ok, err := e.matchFilters(in.Filters, lt.tags, func(name string) ([]string, bool) {
			switch name {
			case "launch-template-name":
				return []string{lt.name}, true
			case "create-time":
				return []string{isoTime(lt.created)}, true
			}
			return nil, false
		})
		if err != nil {
			return nil, err
		}
		if ok {
			matched = append(matched, *e.describeTemplate(lt))
		}
	}
	lts, next, err := page(e, "DescribeLaunchTemplates", matched, func(lt ec2types.LaunchTemplate) string { return aws.ToString(lt.LaunchTemplateId) }, in.MaxResults, in.NextToken, 1, 200)
	if err != nil {
		return nil, err
	}
	return &ec2.DescribeLaunchTemplatesOutput{LaunchTemplates: append([]ec2types.LaunchTemplate{}, lts...), NextToken: next}, nil
}

func (e *ec2Model) describeLaunchTemplateVersions(r *request, in *ec2.DescribeLaunchTemplateVersionsInput) (*ec2.DescribeLaunchTemplateVersionsOutput, error) {
	var templates []*launchTemplate
	if in.LaunchTemplateId == nil && in.LaunchTemplateName == nil {
		// Without a template, EC2 describes $Latest and/or $Default of every template.
		for _, v := range in.Versions {
			if v != "$Latest" && v != "$Default" {
				return nil, e.errorf("MissingParameter", "The request must contain the parameter LaunchTemplateId or LaunchTemplateName when Versions names a version number")
			}
		}
		if len(in.Versions) == 0 {
			return nil, e.errorf("MissingParameter", "The request must contain the parameter LaunchTemplateId or LaunchTemplateName")
		}
		templates = e.templates
	} else {
		lt, err := e.findTemplate(in.LaunchTemplateId, in.LaunchTemplateName)
		if err != nil {
			return nil, err
		}
		templates = []*launchTemplate{lt}
	}
	var minV, maxV int64
	var err error
	if in.MinVersion != nil {
		if minV, err = strconv.ParseInt(*in.MinVersion, 10, 64); err != nil {
			return nil, e.errorf("InvalidParameterValue", "Invalid value '%s' for MinVersion", *in.MinVersion)
		}
	}
	if in.MaxVersion != nil {
		if maxV, err = strconv.ParseInt(*in.MaxVersion, 10, 64); err != nil {
			return nil, e.errorf("InvalidParameterValue", "Invalid value '%s' for MaxVersion", *in.MaxVersion)
		}
	}
	var matched []ec2types.LaunchTemplateVersion
	for _, lt := range templates {
		var selected []*ltVersion
		if len(in.Versions) > 0 {
			for _, ref := range in.Versions {
				v, err := e.templateVersion(lt, ref)
				if err != nil {
					return nil, err
				}
				if !contains(selected, v) {
					selected = append(selected, v)
				}
			}
		} else {
			for _, v := range lt.versions {
				if !v.deleted {
					selected = append(selected, v)
				}
			}
		}
		for _, v := range selected {
			if (minV > 0 && v.number < minV) || (maxV > 0 && v.number > maxV) {
				continue
			}
			ok, err := e.matchFilters(in.Filters, nil, func(name string) ([]string, bool) {
				switch name {
				case "image-id":
					return []string{aws.ToString(v.data.ImageId)}, true
				case "instance-type":
					return []string{string(v.data.InstanceType)}, true
				case "is-default-version":
					return []string{boolString(v.number == lt.defaultVersion)}, true
				case "create-time":
					return []string{isoTime(v.created)}, true
				}
				return nil, false
			})
			if err != nil {
				return nil, err
			}
			if ok {
				matched = append(matched, *e.describeVersion(lt, v))
			}
		}
	}
	versions, next, err := page(e, "DescribeLaunchTemplateVersions", matched, versionKey, in.MaxResults, in.NextToken, 1, 200)
	if err != nil {
		return nil, err
	}
	return &ec2.DescribeLaunchTemplateVersionsOutput{LaunchTemplateVersions: append([]ec2types.LaunchTemplateVersion{}, versions...), NextToken: next}, nil
}

func (e *ec2Model) modifyLaunchTemplate(r *request, in *ec2.ModifyLaunchTemplateInput) (*ec2.ModifyLaunchTemplateOutput, error) {
	lt, err := e.findTemplate(in.LaunchTemplateId, in.LaunchTemplateName)
	if err != nil {
		return nil, err
	}
	if in.DefaultVersion != nil {
		n, err := strconv.ParseInt(*in.DefaultVersion, 10, 64)
		if err != nil {
			return nil, e.errorf("InvalidParameterValue", "Invalid value '%s' for DefaultVersion: it must be a version number", *in.DefaultVersion)
		}
		v, err := e.templateVersion(lt, strconv.FormatInt(n, 10))
		if err != nil {
			return nil, err
		}
		lt.defaultVersion = v.number
	}
	return &ec2.ModifyLaunchTemplateOutput{LaunchTemplate: e.describeTemplate(lt)}, nil
}

func (e *ec2Model) deleteLaunchTemplate(r *request, in *ec2.DeleteLaunchTemplateInput) (*ec2.DeleteLaunchTemplateOutput, error) {
	lt, err := e.findTemplate(in.LaunchTemplateId, in.LaunchTemplateName)
	if err != nil {
		return nil, err
	}
	for i, x := range e.templates {
		if x == lt {
			e.templates = append(e.templates[:i:i], e.templates[i+1:]...)
			break
		}
	}
	return &ec2.DeleteLaunchTemplateOutput{LaunchTemplate: e.describeTemplate(lt)}, nil
}

// findTemplate resolves a template by ID or name; exactly one must be given.
func (e *ec2Model) findTemplate(id, name *string) (*launchTemplate, error) {
	switch {
	case id != nil && name != nil:
		return nil, e.errorf("InvalidParameterCombination", "The parameters LaunchTemplateId and LaunchTemplateName cannot be used together: specify one")
	case id != nil:
		if !ltIDPattern.MatchString(*id) {
			return nil, e.errorf("InvalidLaunchTemplateId.Malformed", "The specified launch template ID %s is not valid. A launch template ID must be in the format lt-xxxxxxxxxxxxxxxxx.", *id)
		}
		for _, lt := range e.templates {
			if lt.id == *id {
				return lt, nil
			}
		}
		return nil, e.errorf("InvalidLaunchTemplateId.NotFound", "The specified launch template, with template ID %s, does not exist.", *id)
	case name != nil:
		for _, lt := range e.templates {
			if lt.name == *name {
				return lt, nil
			}
		}
		return nil, e.errorf("InvalidLaunchTemplateName.NotFoundException", "The specified launch template, with template name %s, does not exist.", *name)
	}
	return nil, e.errorf("MissingParameter", "The request must contain the parameter LaunchTemplateId or LaunchTemplateName")
}

// templateVersion resolves "$Latest", "$Default" or a version number.
func (e *ec2Model) templateVersion(lt *launchTemplate, ref string) (*ltVersion, error) {
	switch ref {
	case "$Latest":
		return lt.latest(), nil
	case "$Default", "":
		return lt.versions[lt.defaultVersion-1], nil
	}
	n, err := strconv.ParseInt(ref, 10, 64)
	if err != nil || n < 1 {
		return nil, e.errorf("InvalidLaunchTemplateId.VersionNotFound", "Could not find launch template version %s for launch template %s", ref, lt.id)
	}
	if n > int64(len(lt.versions)) || lt.versions[n-1].deleted {
		return nil, e.errorf("InvalidLaunchTemplateId.VersionNotFound", "Could not find launch template version %d for launch template %s", n, lt.id)
	}
	return lt.versions[n-1], nil
}

// templateData validates request data and converts it to the stored (response) shape, on top of
// base when the version derives from a source version: fields given in the request replace the
// source's, as CreateLaunchTemplateVersion documents. Invalid references (an unknown AMI or
// security group) do not fail the call: EC2 accepts the template and returns a warning, and the
// launch fails later.
func (e *ec2Model) templateData(base *ec2types.ResponseLaunchTemplateData, in *ec2types.RequestLaunchTemplateData) (ec2types.ResponseLaunchTemplateData, *ec2types.ValidationWarning, error) {
	var out ec2types.ResponseLaunchTemplateData
	if ud := aws.ToString(in.UserData); ud != "" {
		if err := e.checkUserData(ud); err != nil {
			return out, nil, err
		}
	}
	fields := map[string]json.RawMessage{}
	if base != nil {
		if err := convertJSON(base, &fields); err != nil {
			return out, nil, err
		}
	}
	var overlay map[string]json.RawMessage
	if err := convertJSON(in, &overlay); err != nil {
		return out, nil, err
	}
	for k, v := range overlay {
		if string(v) != "null" {
			fields[k] = v
		}
	}
	if err := convertJSON(fields, &out); err != nil {
		return out, nil, err
	}
	var problems []ec2types.ValidationError
	if id := aws.ToString(out.ImageId); id != "" && e.image(id) == nil {
		problems = append(problems, ec2types.ValidationError{Code: aws.String("InvalidAMIID.NotFound"), Message: aws.String(fmt.Sprintf("The image id '[%s]' does not exist", id))})
	}
	for _, id := range out.SecurityGroupIds {
		if e.group(id) == nil {
			problems = append(problems, ec2types.ValidationError{Code: aws.String("InvalidGroup.NotFound"), Message: aws.String(fmt.Sprintf("The security group '%s' does not exist", id))})
		}
	}
	if len(problems) == 0 {
		return out, nil, nil
	}
	return out, &ec2types.ValidationWarning{Errors: problems}, nil
}

// checkUserData applies EC2's user data rules: base64, at most 16 KB decoded.
func (e *ec2Model) checkUserData(ud string) error {
	raw, err := base64.StdEncoding.DecodeString(ud)
	if err != nil {
		return e.errorf("InvalidUserData.Malformed", "Invalid BASE64 encoding of user data.")
	}
	if len(raw) > maxUserData {
		return e.errorf("InvalidParameterValue", "User data is limited to %d bytes", maxUserData)
	}
	return nil
}

// convertJSON copies between the SDK's request and response shapes, which share field names.
func convertJSON(from, to any) error {
	raw, err := json.Marshal(from)
	if err != nil {
		return fmt.Errorf("awstest: convert %T: %w", from, err)
	}
	if err := json.Unmarshal(raw, to); err != nil {
		return fmt.Errorf("awstest: convert %T to %T: %w", from, to, err)
	}
	return nil
}

func (e *ec2Model) describeTemplate(lt *launchTemplate) *ec2types.LaunchTemplate {
	return &ec2types.LaunchTemplate{
		LaunchTemplateId: aws.String(lt.id), LaunchTemplateName: aws.String(lt.name),
		CreateTime: aws.Time(lt.created), CreatedBy: aws.String(fmt.Sprintf("arn:aws:iam::%s:root", e.cloud.opts.AccountID)),
		DefaultVersionNumber: aws.Int64(lt.defaultVersion), LatestVersionNumber: aws.Int64(lt.latest().number),
		Tags: lt.tags.list(),
	}
}

func (e *ec2Model) describeVersion(lt *launchTemplate, v *ltVersion) *ec2types.LaunchTemplateVersion {
	var data ec2types.ResponseLaunchTemplateData
	_ = convertJSON(v.data, &data) // a deep copy; the stored value converted once already
	out := &ec2types.LaunchTemplateVersion{
		LaunchTemplateId: aws.String(lt.id), LaunchTemplateName: aws.String(lt.name), VersionNumber: aws.Int64(v.number),
		CreateTime: aws.Time(v.created), CreatedBy: aws.String(fmt.Sprintf("arn:aws:iam::%s:root", e.cloud.opts.AccountID)),
		DefaultVersion: aws.Bool(v.number == lt.defaultVersion), LaunchTemplateData: &data,
	}
	if v.description != "" {
		out.VersionDescription = aws.String(v.description)
	}
	return out
}

// versionRef formats how RunInstances named a version, for the aws:ec2launchtemplate:version tag.
func versionRef(v *ltVersion) string { return strconv.FormatInt(v.number, 10) }

// versionKey orders launch template versions by template, then version number.
func versionKey(v ec2types.LaunchTemplateVersion) string {
	return fmt.Sprintf("%s/%019d", aws.ToString(v.LaunchTemplateId), aws.ToInt64(v.VersionNumber))
}
