// Package imitation is one-shot imitation learning for block stacking
// (Duan et al., NeurIPS 2017; docs/imitation.md): a policy that, given one
// demonstration of a task, performs that task from a new start
// configuration — including tasks it was never trained on.
//
// # Networks
//
// The model follows the paper's appendix B; every departure is listed here.
//
// Inputs. An observation (stack.ObsDim) is split into one feature row per
// block: the block's (dx, dy, tilt) relative to the grasp point; dx, dy,
// dy+0.5 and dy+1.5 on a signed log scale (sign·ln(1+|v|/0.01)/4; the grasp
// point is 0.5 blocks above a block's centre when grasping it and 1.5 when
// placing another block on it); then the robot state
// (gripper x, y, open, closed). The paper's blocks are 3-D positions; ours
// are 2-D positions plus tilt (the world is a side view). The log-scaled
// copies are our addition: the expert's velocity bins are a step function
// of distances from a centimetre to several blocks, and with raw inputs
// only a network trained far longer than we can afford resolves the fine
// end (the policy then overshoots with the fast bins).
//
// Demonstration network. The demonstration's frames are first reduced by
// temporal dropout: in training ⌊(T+1)(1-p)⌋ frames (p = 0.95, at least 2)
// are kept, in order: the last frame and a random subset of the others; at
// test time the same number of evenly spaced frames ending with the last
// one. Always keeping the last frame departs from the paper: without it,
// at our training budgets the full-demonstration policy identified the task
// worse than the final-state one (quick profile: 37% against 74% on 1-stage
// tasks, many wrong moves), since the goal layout is seen only by chance. A linear layer (the
// paper's 1×1 convolution) embeds each block's features to width D. Then,
// for each dilation a in 1, 2, 4, 8: ReLU → neighbourhood attention →
// causal dilated temporal convolution of kernel 2 over concat(attention
// output, block position, robot state) → ReLU → residual add. The
// convolution is written as a linear layer over concat(x[t-a], x[t]) (zeros
// before the start), which is exactly a causal kernel-2 dilated convolution;
// nn.Tape.Conv1D is not used because it panics when the padding exceeds the
// sequence length, which sub-sampled demonstrations hit. The output is an
// embedding of T'×B×D.
//
// Neighbourhood (and spatial) attention is Bahdanau attention with H = 2
// heads: for block i, query Linear(h_i), contexts Linear(h_j), memory
// (position_j, h_j), output Linear(concat(h_i, result, position_i, robot
// state)).
//
// Context network. For K current observations of a task with B blocks:
// every block starts with a hidden state Linear(features) and an LSTM cell
// state. Each of CtxSteps steps (untied weights): temporal attention — block
// i's query scores every demonstration frame against the same block's
// embedding, the scores are summed over blocks to one weight per frame and
// head, and each block reads the demonstration embedding of its own block at
// those weights; then spatial attention over the current blocks (as above,
// with query input concat(h_i, read_i)); then an LSTM step per block on
// concat(read, spatial result, block features). Finally NumQueries = 2 fixed
// learned queries (the paper's intended source and target block) attend
// over the blocks. The context vector is the robot state plus, per query
// and head, the attention-weighted block position features (4 + 2·2·7 = 32 numbers;
// the paper has 2 + 2·H·3); with Arch.ReadHidden (on by default) it also holds
// the attention-weighted block hidden states (2·2·D more). This addition
// lets the manipulation network see what the context network inferred about
// the chosen blocks (stage progress, whether a block is held); it trains
// markedly faster at our small step budgets. Either way the size does not
// depend on the number of blocks.
//
// Attention experiments (off by default; docs/imitation.md, "Attention and
// the stage being executed"). Arch.MatchQuery replaces the temporal
// attention's additive score: the current observation is embedded by the
// demonstration network as a demonstration of one frame, and each frame t
// scores -Σ_b ‖P_h cur_b - P_h emb_tb‖² / A per head h, with a learned
// projection P per context step; the additive attention's weights are then
// unused and left out. Arch.StageHead adds a classifier of the number of
// stages done in the current observation (StagesDone, 0 to
// NumStageClasses-1) on each context step's temporal read-out alone — per
// block Linear(H·D → D) and ReLU, the mean over the blocks, Linear(D →
// classes) — whose cross-entropy, averaged over the steps and weighted by
// TrainOptions.StageLoss, is added to the action loss. The read-out depends
// on the current state only through the attention weights, so the
// classifier can only succeed if they move with the stage.
//
// Manipulation network. An MLP with ReLU and weight normalisation to a
// categorical head over the environment's action discretisation
// (stack.SpeedBins, stack.DiscreteAction): by default (HeadJoint) one
// distribution over the 11 × 11 × 2 = 242 joint actions (vx bin, vy bin,
// grip). Training minimises its cross-entropy against the expert's clean
// action labels (demos.Episode.ExpertActions), which lie exactly on the
// grid. Acting takes the most probable action; an ensemble of K
// demonstrations averages the distributions first. Arch.Head =
// HeadFactored is the alternative of three independent distributions (11 +
// 11 + 2 logits, the sum of their cross-entropies): it trains as well, but
// its greedy action takes each factor's mode separately, and where the
// expert's behaviour splits — rise (vx 0, vy > 0) or travel (vx > 0, vy 0)
// near the safe height — it picks vx 0 from one mode and vy 0 from the
// other: the gripper stops, sees the same state again, and stays stopped
// until the time limit. In the first quick-profile runs these stalls were
// most of the failures.
//
// Sizes. PaperArch has the paper's sizes: D = 64, 2 heads, 4 context steps,
// MLP 256-256 (≈ 0.76 M parameters). DefaultArch, used by the smoke and quick
// benchmarks and the train command, scales them down for 2 CPU cores: D =
// 32, 2 context steps, MLP 128-128 (about 5× faster to train, 3× faster to
// act).
//
// Conditioning variants (Arch.Cond): CondFull, the temporally dropped-out
// demonstration; CondSnapshot, the frames at the end of each stage — found in
// the demonstration's observations as the steps where the gripper opens
// after having been closed (the expert releases a block exactly once per
// completed stage), plus the last frame; CondFinal, the last frame only.
//
// # Training
//
// Behaviour cloning (Trainer, Train): every step draws TasksPerBatch distinct
// tasks; for each, one demonstration to condition on and PairsPerTask
// (observation, label) pairs from another demonstration of the same task.
// The batch is drawn from a generator seeded by (seed, step), so a resumed
// run draws the same batches. Adamax with lr 1e-3 (β = 0.9, 0.999), global
// gradient-norm clipping at 10. The optimiser is a copy of optim's Adamax
// update with its state exposed so that checkpoints resume bit for bit.
//
// DAgger: plain behaviour cloning for the first DAggerStart (default half) of
// the steps; then DAggerRounds rounds evenly spaced over the rest. A round
// rolls the current policy out (greedy, conditioned on a random dataset
// demonstration of the task, fresh start configurations) DAggerEpisodes
// times per training task, labels every visited state with the closed-loop
// scripted expert (policies.Expert), and adds the pairs to the task's pool;
// from then on every fourth pair of a task's batch comes from its pool (with
// half, the pool — dominated by the states of stalled rollouts — slowed
// learning of everything else and DAgger ended below BC). The
// total number of gradient steps equals behaviour cloning's. Until its
// first round a DAgger run is behaviour cloning, step for step, so
// Trainer.Fork can start it from a BC trainer at that step (the benchmarks
// do; the result is the same, bit for bit) and RunOptions.Until stops a
// run there.
//
// Checkpoints (a model directory): model.safetensors (weights, with the
// architecture's hash in the metadata), config.json (CheckpointConfig: format,
// architecture, step, training options), optim.safetensors (Adamax state),
// dagger.gob (DAgger pools), loss.csv and loss.png (the training loss curve,
// drawn by a small line plotter into an image.RGBA). Load refuses a
// checkpoint of another architecture (ErrArchMismatch) and a corrupt file
// (the safetensors error names the problem).
//
// # Evaluation
//
// Evaluate plays every task from Episodes start configurations (seeds from a
// base no dataset uses), each conditioned on Ensemble fresh demonstrations
// recorded by the noisy expert from yet another base seed — demonstrations
// the model never saw. Episodes run in parallel (internal/parallel) and
// results are stored by index, so they do not depend on the worker count.
// Relabel runs the permutation test: each episode's task has its blocks
// renamed by a random permutation. TraceAttention records the attention
// over blocks and over demonstration frames along one rollout (the suite,
// benchmarks/imitbench, draws it).
//
// Policy implements policies.Policy; LoadPolicy builds one from a model
// directory for the window (model:DIR), and Policy.BlockWeights gives the
// latest attention over blocks for the renderer's overlay.
package imitation
