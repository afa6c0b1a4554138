package drift

import "math"

const (
	machEp = 1.11022302462515654042e-16 // 2^-53
	maxLog = 7.09782712893383996843e2   // log(MaxFloat64)
	big    = 4.503599627370496e15
	bigInv = 2.22044604925031308085e-16
)

// chiSquareSF is the survival function of the χ² distribution with df
// degrees of freedom at x (SciPy's chi2.sf): Q(df/2, x/2), the regularised
// upper incomplete gamma function. It is NaN for df <= 0.
func chiSquareSF(x float64, df int) float64 {
	if df <= 0 || math.IsNaN(x) {
		return math.NaN()
	}
	if x <= 0 {
		return 1
	}
	if math.IsInf(x, 1) {
		return 0
	}
	return gammaQ(float64(df)/2, x/2)
}

// gammaQ is the regularised upper incomplete gamma function Q(a, x), by the
// power series of P for x < max(1, a) and by Legendre's continued fraction
// otherwise (the Cephes method).
func gammaQ(a, x float64) float64 {
	if x < 1 || x < a {
		return 1 - gammaP(a, x)
	}
	lg, _ := math.Lgamma(a)
	ax := a*math.Log(x) - x - lg
	if ax < -maxLog {
		return 0
	}
	ax = math.Exp(ax)
	y := 1 - a
	z := x + y + 1
	c := 0.0
	pkm2, qkm2 := 1.0, x
	pkm1, qkm1 := x+1, z*x
	ans := pkm1 / qkm1
	for iter := 0; iter < 10_000_000; iter++ {
		c++
		y++
		z += 2
		yc := y * c
		pk := pkm1*z - pkm2*yc
		qk := qkm1*z - qkm2*yc
		t := 1.0
		if qk != 0 {
			r := pk / qk
			t = math.Abs((ans - r) / r)
			ans = r
		}
		pkm2, pkm1 = pkm1, pk
		qkm2, qkm1 = qkm1, qk
		if math.Abs(pk) > big {
			pkm2 *= bigInv
			pkm1 *= bigInv
			qkm2 *= bigInv
			qkm1 *= bigInv
		}
		if t <= machEp {
			break
		}
	}
	return ans * ax
}

// gammaP is the regularised lower incomplete gamma function P(a, x).
func gammaP(a, x float64) float64 {
	if x <= 0 {
		return 0
	}
	if x > 1 && x > a {
		return 1 - gammaQ(a, x)
	}
	lg, _ := math.Lgamma(a)
	ax := a*math.Log(x) - x - lg
	if ax < -maxLog {
		return 0
	}
	ax = math.Exp(ax)
	r, c, ans := a, 1.0, 1.0
	for iter := 0; iter < 10_000_000; iter++ {
		r++
		c *= x / r
		ans += c
		if c/ans <= machEp {
			break
		}
	}
	return ans * ax / a
}
