//! Where an image's pixels sit on a plot axis: at their indices, at evenly spaced physical
//! coordinates (drawn in those coordinates, so aspect and grid are physical), or at uneven
//! coordinates (drawn at their indices, labelled with interpolated coordinates). Pure.

use std::sync::Arc;

/// One displayed axis of an image. Pixel `i` spans edges `i..i+1` in index space.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum PixelAxis {
    #[default]
    Index,
    /// Pixel `i`'s centre is at `first + i * step`.
    Uniform { first: f64, step: f64 },
    /// Pixel `i`'s centre is at `values[i]` (monotonic, uneven).
    Table(Arc<[f64]>),
}

impl PixelAxis {
    /// The axis for coordinate values of every pixel: uniform when evenly spaced (to a
    /// part in 10^6 of the span), a table when monotonic, else the index (with why not).
    pub fn from_values(values: Arc<[f64]>) -> Result<Self, &'static str> {
        let n = values.len();
        if values.iter().any(|v| !v.is_finite()) {
            return Err("it holds NaN or infinite values");
        }
        if n < 2 {
            return Ok(match values.first() {
                Some(&first) => Self::Uniform { first, step: 1.0 },
                None => Self::Index,
            });
        }
        let rising = values[1] > values[0];
        if !values
            .windows(2)
            .all(|w| if rising { w[1] > w[0] } else { w[1] < w[0] })
        {
            return Err("its values are not monotonic");
        }
        let (first, last) = (values[0], values[n - 1]);
        let step = (last - first) / (n - 1) as f64;
        let tolerance = 1e-6 * (last - first).abs();
        let even = (values.iter().enumerate())
            .all(|(i, v)| (v - (first + i as f64 * step)).abs() <= tolerance);
        Ok(if even {
            Self::Uniform { first, step }
        } else {
            Self::Table(values)
        })
    }

    /// The plot coordinate of index-space position `e` (an edge or a centre + 0.5).
    pub fn plot_of(&self, e: f64) -> f64 {
        match self {
            Self::Uniform { first, step } => first + (e - 0.5) * step,
            Self::Index | Self::Table(_) => e,
        }
    }

    /// The index-space position of plot coordinate `p`: the inverse of `plot_of`.
    pub fn index_of(&self, p: f64) -> f64 {
        match self {
            Self::Uniform { first, step } if *step != 0.0 => (p - first) / step + 0.5,
            _ => p,
        }
    }

    /// The coordinate a tick at plot position `p` stands for, when it is not `p` itself.
    pub fn label_of(&self, p: f64) -> Option<f64> {
        let Self::Table(v) = self else {
            return None;
        };
        // Between the centres of pixels i and i+1, linearly; outside, from the end pair.
        let x = p - 0.5;
        let last = v.len().checked_sub(2)?;
        let i = (x.floor().max(0.0) as usize).min(last);
        Some(v[i] + (x - i as f64) * (v[i + 1] - v[i]))
    }

    /// The coordinate of pixel `i`'s centre, when the axis has coordinates.
    pub fn coordinate(&self, i: u64) -> Option<f64> {
        match self {
            Self::Index => None,
            Self::Uniform { first, step } => Some(first + i as f64 * step),
            Self::Table(v) => v.get(i as usize).copied(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn even_uneven_and_unusable_coordinates() {
        let even: Arc<[f64]> = (0..100).map(|i| -19.2 + 0.1 * f64::from(i)).collect();
        let PixelAxis::Uniform { first, step } = PixelAxis::from_values(even).unwrap() else {
            panic!()
        };
        assert_eq!(first, -19.2);
        assert!((step - 0.1).abs() < 1e-12);

        let uneven: Arc<[f64]> = [1.0, 2.0, 4.0, 8.0].into();
        let table = PixelAxis::from_values(uneven).unwrap();
        assert_eq!(table.label_of(0.5), Some(1.0));
        assert_eq!(table.label_of(3.0), Some(6.0));
        assert_eq!(table.label_of(4.5), Some(12.0));
        assert_eq!(table.coordinate(3), Some(8.0));
        assert_eq!(table.plot_of(2.5), 2.5);

        assert!(PixelAxis::from_values([1.0, 3.0, 2.0].into()).is_err());
        let down = PixelAxis::from_values([5.0, 4.0, 3.0].into()).unwrap();
        assert_eq!(down.plot_of(0.5), 5.0);
        assert_eq!(down.index_of(3.0), 2.5);
    }
}
