// Package shapes has a few shapes with areas.
package shapes

import "math"

// Shape is anything with an area.
type Shape interface {
	Area() float64
}

// Circle is a circle of radius R.
type Circle struct{ R float64 }

// Rect is a W by H rectangle.
type Rect struct{ W, H float64 }

// Area of the circle.
func (c Circle) Area() float64 { return math.Pi * c.R * c.R }

// Area of the rectangle.
func (r Rect) Area() float64 { return r.W * r.H }
