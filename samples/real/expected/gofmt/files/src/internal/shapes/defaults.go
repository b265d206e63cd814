package shapes

// Defaults returns some shapes; written the long way so that gofmt -s has work to do.
func Defaults() []Shape {
	rects := []Rect{{W: 2, H: 3}, {W: 4, H: 5}}
	corners := map[string]Circle{"a": {R: 1}, "b": {R: 2}}
	var out []Shape
	for i := range rects {
		out = append(out, rects[i])
	}
	for range corners {
		out = append(out, Circle{R: 0.5})
	}
	s := out[0:]
	return s
}
