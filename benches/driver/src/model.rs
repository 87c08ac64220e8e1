//! Cold figures modelled at Lambda's smallest memory size. Lambda gives a function CPU in
//! proportion to its memory, one vCPU at 1,769 MB, so at 128 MB 128/1769 of one (7.2%). A
//! figure's instructions take, at the rate this machine runs them per second of CPU time
//! (measured in the same run, on the same cold starts), so much CPU time here; at 128 MB,
//! 1769/128 (13.8) times as long. The model leaves out what is not our process's CPU: the
//! network to AWS's services, and Lambda's own work before it starts the process.

/// The memory size modelled, MB.
pub const MEMORY_MB: f64 = 128.0;
/// Lambda's memory size that gives one vCPU, MB.
pub const MB_PER_VCPU: f64 = 1769.0;

#[derive(Debug, Clone, Copy)]
pub struct Model {
    /// Instructions per second of CPU time on this machine.
    pub rate: f64,
}

impl Model {
    /// The rate of these (instructions, CPU time in µs) pairs, all summed.
    pub fn measured(samples: impl IntoIterator<Item = (f64, f64)>) -> Option<Self> {
        let (instructions, micros) = samples
            .into_iter()
            .fold((0.0, 0.0), |(i, t), (di, dt)| (i + di, t + dt));
        (instructions > 0.0 && micros > 0.0).then(|| Self {
            rate: instructions / (micros / 1e6),
        })
    }

    /// Milliseconds at 128 MB of a figure of `instructions`.
    pub fn milliseconds(&self, instructions: f64) -> f64 {
        instructions / self.rate * 1e3 * MB_PER_VCPU / MEMORY_MB
    }

    /// The model as the report's header states it; `functions` is how many functions' cold
    /// requests the rate was measured on.
    pub fn describe(&self, functions: usize) -> String {
        format!(
            "at 128 MB (model): a figure's instructions ÷ {:.0} M instructions per CPU second ÷ (128/1769 of a vCPU). The rate is this machine's, in this run: the {functions} functions' cold requests, their instructions (callgrind) over their CPU time at the reply (schedstat, the kernel's work included). Every cold row has its instruction count, so none is scaled from time",
            self.rate / 1e6
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_of_cpu_here_is_1769_over_128_seconds_at_128_mb() {
        let model = Model::measured([(1e9, 4e5), (1e9, 6e5)]).unwrap();
        assert_eq!(model.rate, 2e9);
        let ms = model.milliseconds(2e9);
        assert!((ms - 1000.0 * 1769.0 / 128.0).abs() < 1e-6, "{ms}");
        assert!(Model::measured([]).is_none());
    }
}
