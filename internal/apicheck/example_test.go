package apicheck_test

import (
	"fmt"
	"go/types"

	"github.com/portalkit/portalkit/internal/apicheck"
)

// A public package whose exported field names an internal type is reported, naming the field.
func ExampleLeaks() {
	internal := types.NewPackage("example.com/m/internal/clock", "clock")
	clk := types.NewNamed(types.NewTypeName(0, internal, "Clock", nil), types.NewStruct(nil, nil), nil)

	public := types.NewPackage("example.com/m/elb", "elb")
	fields := []*types.Var{types.NewField(0, public, "Clock", clk, false)}
	opts := types.NewTypeName(0, public, "Options", nil)
	types.NewNamed(opts, types.NewStruct(fields, nil), nil)
	public.Scope().Insert(opts)

	for _, leak := range apicheck.Leaks(public) {
		fmt.Println(leak)
	}
	fmt.Println(apicheck.IsInternal("example.com/m/internal/clock"), apicheck.IsInternal("example.com/m/clock"))
	// Output:
	// Options.Clock: example.com/m/internal/clock.Clock
	// true false
}
