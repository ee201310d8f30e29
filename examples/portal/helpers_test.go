package main

import "github.com/aws/aws-sdk-go-v2/service/s3"

type s3ListInput = s3.ListObjectsV2Input

func strPtr(s string) *string { return &s }
