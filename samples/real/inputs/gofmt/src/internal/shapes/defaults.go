package shapes

// Defaults returns some shapes; written the long way so that gofmt -s has work to do.
func Defaults() []Shape {
	rects := []Rect{Rect{W: 2, H: 3}, Rect{W: 4, H: 5}}
	corners := map[string]Circle{"a": Circle{R: 1}, "b": Circle{R: 2}}
	var out []Shape
	for i, _ := range rects {
		out = append(out, rects[i])
	}
	for _ = range corners {
		out = append(out, Circle{R: 0.5})
	}
	s := out[0:len(out)]
	return s
}
