%% The Erlang/OTP peer rows of tests/Typed.Processes.Benchmarks (see Erlang.cs, which compiles and runs this module).
%%
%% erl -noshell +S <workers> +P 2097152 -pa <dir> -run tp_bench main <scenario> <warmups> <iterations> <arg>...
%%
%% Each scenario mirrors the C# scenario of the same name (same counts, warm-ups and iterations; the harness passes
%% them). The module prints one line "TP_BENCH_OTP <release>", then one line "TP_BENCH <value>..." with the figure of
%% each measured iteration (warm-ups are not printed), and halts with 0; on failure it prints "TP_BENCH_ERROR ..." and
%% halts with 1.
-module(tp_bench).
-export([main/1]).

main([Scenario, Warmups, Iterations | Args]) ->
    Code = try
        io:format("TP_BENCH_OTP ~s~n", [erlang:system_info(otp_release)]),
        Values = run(Scenario, list_to_integer(Warmups), list_to_integer(Iterations),
                     [list_to_integer(A) || A <- Args]),
        io:format("TP_BENCH ~s~n", [lists:join(" ", [fmt(V) || V <- Values])]),
        0
    catch Class:Reason:Stack ->
        io:format("TP_BENCH_ERROR ~p:~p ~p~n", [Class, Reason, Stack]),
        1
    end,
    erlang:halt(Code).

fmt(V) when is_integer(V) -> integer_to_list(V);
fmt(V) -> float_to_list(float(V), [{decimals, 3}]).

%% Runs Fun Warmups times (discarded), then Iterations times; returns the measured figures.
measure(Warmups, Iterations, Fun) ->
    [Fun() || _ <- lists:seq(1, Warmups)],
    [Fun() || _ <- lists:seq(1, Iterations)].

seconds(Fun) ->
    T0 = erlang:monotonic_time(),
    Fun(),
    erlang:convert_time_unit(erlang:monotonic_time() - T0, native, nanosecond) / 1.0e9.

%% Completes when Count processes have called Tick (an atomic counter; the last one messages Waiter).
countdown(Count, Waiter, Tag) ->
    Ref = atomics:new(1, []),
    atomics:put(Ref, 1, Count),
    fun() -> case atomics:sub_get(Ref, 1, 1) of 0 -> Waiter ! Tag; _ -> ok end end.

%% ---- ping-pong: Pairs pingers, each spawns its ponger and does N round trips; figure: round trips/s ----
run("pingpong", W, I, [Pairs, N]) ->
    measure(W, I, fun() -> Pairs * N / seconds(fun() -> pingpong(Pairs, N) end) end);
%% ---- spawn and exit: one parent spawns Count children that end at once; timed until the last has run ----
run("spawn", W, I, [Count]) ->
    measure(W, I, fun() -> Count / seconds(fun() -> spawn_exit(Count) end) end);
%% ---- skynet: figure: ms ----
run("skynet", W, I, [Leaves]) ->
    Expected = Leaves * (Leaves - 1) div 2,
    measure(W, I, fun() -> 1000 * seconds(fun() -> skynet_root(Leaves, Expected) end) end);
%% ---- fan-out/fan-in: this process is the coordinator; workers are spawned before timing; figure: ms per round ----
run("fanout", W, I, [N]) ->
    Me = self(),
    Workers = [spawn(fun() -> worker(Me) end) || _ <- lists:seq(1, N)],
    measure(W, I, fun() -> 1000 * seconds(fun() -> fan_round(Workers, N) end) end);
%% ---- idle memory: bytes per idle process, erlang:memory(processes) and resident set (-1 if unknown) ----
run("memory", _W, _I, [Count]) ->
    idle(min(1000, Count)),                      % warm-up batch, kept alive like the C# scenario's
    erlang:garbage_collect(),
    P0 = erlang:memory(processes), R0 = rss(),
    idle(Count),
    erlang:garbage_collect(),
    P1 = erlang:memory(processes), R1 = rss(),
    [(P1 - P0) / Count, case R0 < 0 orelse R1 < 0 of true -> -1; false -> (R1 - R0) / Count end].

pingpong(Pairs, N) ->
    Me = self(),
    Pingers = [spawn(fun() -> pinger(Me, N) end) || _ <- lists:seq(1, Pairs)],
    [receive {done, P} -> ok end || P <- Pingers],
    ok.

pinger(Parent, N) ->
    Me = self(),
    Ponger = spawn(fun() -> ponger(Me, N) end),
    ping(Ponger, 0, N),
    Parent ! {done, Me}.

ping(_, N, N) -> ok;
ping(Ponger, I, N) ->
    Ponger ! I,
    receive _ -> ping(Ponger, I + 1, N) end.

ponger(_, 0) -> ok;
ponger(Pinger, K) ->
    receive V -> Pinger ! V, ponger(Pinger, K - 1) end.

spawn_exit(Count) ->
    Child = countdown(Count, self(), all_ran),
    spawn(fun() -> spawn_n(Child, Count) end),
    receive all_ran -> ok end.

spawn_n(_, 0) -> ok;
spawn_n(Fun, K) -> spawn(Fun), spawn_n(Fun, K - 1).

skynet_root(Leaves, Expected) ->
    Me = self(),
    spawn(fun() -> skynet(Me, 0, Leaves) end),
    receive
        {sum, Expected} -> ok;
        {sum, Other} -> error({skynet_sum, Other, expected, Expected})
    end.

skynet(Parent, Num, 1) -> Parent ! {sum, Num};
skynet(Parent, Num, Size) ->
    Me = self(),
    Sub = Size div 10,
    [spawn(fun() -> skynet(Me, Num + K * Sub, Sub) end) || K <- lists:seq(0, 9)],
    Parent ! {sum, collect(10, 0)}.

collect(0, Sum) -> Sum;
collect(K, Sum) -> receive {sum, V} -> collect(K - 1, Sum + V) end.

worker(Coord) ->
    receive V -> Coord ! V, worker(Coord) end.

fan_round(Workers, N) ->
    send_all(Workers, 1),
    receive_n(N).

send_all([], _) -> ok;
send_all([W | Rest], I) -> W ! I, send_all(Rest, I + 1).

receive_n(0) -> ok;
receive_n(K) -> receive _ -> receive_n(K - 1) end.

%% Spawns Count processes that each wait for a message; returns once all have run (nothing kept in this heap).
idle(Count) ->
    Up = countdown(Count, self(), all_up),
    Idle = fun() -> Up(), receive go -> ok end end,
    spawn_idle(Idle, Count),
    receive all_up -> ok end.

spawn_idle(_, 0) -> ok;
spawn_idle(Fun, K) -> spawn(Fun), spawn_idle(Fun, K - 1).

%% Resident set size of this OS process in bytes (Linux /proc; -1 elsewhere).
rss() ->
    case file:read_file("/proc/self/statm") of
        {ok, Bin} ->
            [_, Resident | _] = string:lexemes(binary_to_list(Bin), " \n"),
            list_to_integer(Resident) * 4096;
        _ -> -1
    end.
