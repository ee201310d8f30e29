package apicheck

import (
	"fmt"
	"go/types"
	"sort"
	"strings"
)

// IsInternal reports whether the import path has an "internal" element.
func IsInternal(path string) bool {
	for _, el := range strings.Split(path, "/") {
		if el == "internal" {
			return true
		}
	}
	return false
}

// Leaks returns one line per place in pkg's exported API that names a type from an internal
// package, for example "Options.Clock: github.com/x/internal/clock.Clock". It looks at exported
// constants, variables and functions, the exported fields and methods of exported types (and of
// anonymous structs and interfaces inside them), and type arguments. A named type from another
// package is judged by its own package path only: its insides are that package's API.
func Leaks(pkg *types.Package) []string {
	w := walker{seen: map[string]bool{}}
	scope := pkg.Scope()
	for _, name := range scope.Names() {
		obj := scope.Lookup(name)
		if !obj.Exported() {
			continue
		}
		switch obj := obj.(type) {
		case *types.TypeName:
			w.typeName(obj)
		default:
			w.check(name, obj.Type())
		}
	}
	sort.Strings(w.leaks)
	return w.leaks
}

type walker struct {
	leaks []string
	seen  map[string]bool
}

func (w *walker) report(where string, t *types.Named) {
	line := fmt.Sprintf("%s: %s.%s", where, t.Obj().Pkg().Path(), t.Obj().Name())
	if !w.seen[line] {
		w.seen[line] = true
		w.leaks = append(w.leaks, line)
	}
}

// typeName checks an exported type: what an alias stands for, or a defined type's structure
// and its exported methods.
func (w *walker) typeName(obj *types.TypeName) {
	name := obj.Name()
	if obj.IsAlias() {
		w.check(name, types.Unalias(obj.Type()))
		return
	}
	named, ok := obj.Type().(*types.Named)
	if !ok {
		return
	}
	w.structure(name, named.Underlying())
	ms := types.NewMethodSet(types.NewPointer(named))
	for i := 0; i < ms.Len(); i++ {
		m := ms.At(i).Obj()
		if m.Exported() && m.Pkg() == obj.Pkg() {
			w.check(name+"."+m.Name(), m.Type())
		}
	}
}

// structure checks the exported parts of a type's underlying structure.
func (w *walker) structure(where string, t types.Type) {
	switch t := t.(type) {
	case *types.Struct:
		for i := 0; i < t.NumFields(); i++ {
			if f := t.Field(i); f.Exported() {
				w.check(where+"."+f.Name(), f.Type())
			}
		}
	case *types.Interface:
		for i := 0; i < t.NumMethods(); i++ {
			if m := t.Method(i); m.Exported() {
				w.check(where+"."+m.Name(), m.Type())
			}
		}
		for i := 0; i < t.NumEmbeddeds(); i++ {
			w.check(where, t.EmbeddedType(i))
		}
	default:
		w.check(where, t)
	}
}

// check reports internal named types reachable in t without entering other named types.
func (w *walker) check(where string, t types.Type) {
	switch t := types.Unalias(t).(type) {
	case *types.Named:
		if pkg := t.Obj().Pkg(); pkg != nil && IsInternal(pkg.Path()) {
			w.report(where, t)
		}
		for i := 0; i < t.TypeArgs().Len(); i++ {
			w.check(where, t.TypeArgs().At(i))
		}
	case *types.Pointer:
		w.check(where, t.Elem())
	case *types.Slice:
		w.check(where, t.Elem())
	case *types.Array:
		w.check(where, t.Elem())
	case *types.Chan:
		w.check(where, t.Elem())
	case *types.Map:
		w.check(where, t.Key())
		w.check(where, t.Elem())
	case *types.Signature:
		for _, tuple := range []*types.Tuple{t.Params(), t.Results()} {
			for i := 0; i < tuple.Len(); i++ {
				w.check(where, tuple.At(i).Type())
			}
		}
	case *types.Struct, *types.Interface:
		w.structure(where, t)
	}
}
