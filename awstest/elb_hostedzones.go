package awstest

import (
	"crypto/sha256"
	"encoding/base32"
	"strings"
)

// elbHostedZones are the canonical hosted zone IDs of load balancers by region, as AWS lists them
// (AWS General Reference, "Elastic Load Balancing endpoints and quotas"): the first for
// Application and Classic Load Balancers, the second for Network Load Balancers.
// DescribeLoadBalancers of both ELB APIs reports them, and Route 53 alias records to a load
// balancer name them.
var elbHostedZones = map[string][2]string{
	"us-east-1":      {"Z35SXDOTRQ7X7K", "Z26RNL4JYFTOTI"},
	"us-east-2":      {"Z3AADJGX6KTTL2", "ZLMOA37VPKANP"},
	"us-west-1":      {"Z368ELLRRE2KJ0", "Z24FKFUX50B4VW"},
	"us-west-2":      {"Z1H1FL5HABSF5", "Z18D5FSROUN65G"},
	"af-south-1":     {"Z268VQBMOI5EKX", "Z203XCE67M25HM"},
	"ap-east-1":      {"Z3DQVH9N71FHZ0", "Z12Y7K3UBGUAD1"},
	"ap-south-1":     {"ZP97RAFLXTNZK", "ZVDDRBQ08TROA"},
	"ap-northeast-1": {"Z14GRHDCWA56QT", "Z31USIVHYNEOWT"},
	"ap-northeast-2": {"ZWKZPGTI48KDX", "ZIBE1TIR4HY56"},
	"ap-northeast-3": {"Z5LXEXXYW11ES", "Z1GWIQ4HH19I5X"},
	"ap-southeast-1": {"Z1LMS91P8CMLE5", "ZKVM4W9LS7TM"},
	"ap-southeast-2": {"Z1GM3OXH4ZPM65", "ZCT6FZBF4DROD"},
	"ca-central-1":   {"ZQSVJUPU6J1EY", "Z2EPGBW3API2WT"},
	"eu-central-1":   {"Z215JYRZR1TBD5", "Z3F0SRJ5LGBH90"},
	"eu-west-1":      {"Z32O12XQLNTSW2", "Z2IFOLAFXWLO4F"},
	"eu-west-2":      {"ZHURV8PSTC4K8", "ZD4D7Y8KGAS4G"},
	"eu-west-3":      {"Z3Q77PNBQS71R4", "Z1CMS0P5QUZ6D5"},
	"eu-north-1":     {"Z23TAZ6LKFMNIO", "Z1UDT6IFJ4EJM"},
	"eu-south-1":     {"Z3ULH7SSC9OV64", "Z23146JA1KNAFP"},
	"me-south-1":     {"ZS929ML54UICD", "Z3QSRYVP46NYYV"},
	"sa-east-1":      {"Z2P70J7HTTTPLU", "ZTK26PT1VY4CU"},
}

// elbHostedZoneID returns the canonical hosted zone ID of the region's load balancers: network
// selects the Network Load Balancer zone. A region missing from the table gets a stable made-up
// ID, distinct per region and kind, so code that reads the ID from the API works in any region.
func elbHostedZoneID(region string, network bool) string {
	i := 0
	if network {
		i = 1
	}
	if ids, ok := elbHostedZones[region]; ok {
		return ids[i]
	}
	kind := "alb"
	if network {
		kind = "nlb"
	}
	sum := sha256.Sum256([]byte(kind + "/" + region))
	return "Z" + strings.TrimRight(base32.StdEncoding.EncodeToString(sum[:8]), "=")
}
