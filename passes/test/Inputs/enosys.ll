; ModuleID = 'enosys.c'
source_filename = "enosys.c"
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-musl"

; Function Attrs: nounwind uwtable
define dso_local i32 @create1(i32 noundef %flags) local_unnamed_addr #0 {
entry:
  %conv = sext i32 %flags to i64
  %0 = tail call i64 asm sideeffect "syscall", "={ax},{ax},{di},~{rcx},~{r11},~{memory},~{dirflag},~{fpsr},~{flags}"(i64 291, i64 %conv) #2, !srcloc !5
  %conv1 = trunc i64 %0 to i32
  %cmp = icmp ne i32 %conv1, -38
  %tobool = icmp ne i32 %flags, 0
  %or.cond = or i1 %tobool, %cmp
  br i1 %or.cond, label %if.end, label %if.then

if.then:                                          ; preds = %entry
  %1 = tail call i64 asm sideeffect "syscall", "={ax},{ax},{di},~{rcx},~{r11},~{memory},~{dirflag},~{fpsr},~{flags}"(i64 213, i64 1) #2, !srcloc !5
  %conv4 = trunc i64 %1 to i32
  br label %if.end

if.end:                                           ; preds = %if.then, %entry
  %r.0 = phi i32 [ %conv1, %entry ], [ %conv4, %if.then ]
  ret i32 %r.0
}

; Function Attrs: nounwind uwtable
define dso_local i32 @pipe2_like(ptr noundef %fd, i32 noundef %flag) local_unnamed_addr #0 {
entry:
  %0 = ptrtoint ptr %fd to i64
  %conv = sext i32 %flag to i64
  %1 = tail call i64 asm sideeffect "syscall", "={ax},{ax},{di},{si},~{rcx},~{r11},~{memory},~{dirflag},~{fpsr},~{flags}"(i64 293, i64 %0, i64 %conv) #2, !srcloc !6
  %conv1 = trunc i64 %1 to i32
  %cmp.not = icmp eq i32 %conv1, -38
  br i1 %cmp.not, label %if.end, label %cleanup

if.end:                                           ; preds = %entry
  %call3 = tail call i32 @pipe_old(ptr noundef %fd) #2
  %tobool.not = icmp eq i32 %call3, 0
  br i1 %tobool.not, label %if.end5, label %cleanup

if.end5:                                          ; preds = %if.end
  tail call void @log_it(i32 noundef %flag) #2
  br label %cleanup

cleanup:                                          ; preds = %if.end, %entry, %if.end5
  %retval.0 = phi i32 [ 0, %if.end5 ], [ %conv1, %entry ], [ %call3, %if.end ]
  ret i32 %retval.0
}

declare i32 @pipe_old(ptr noundef) local_unnamed_addr #1

declare void @log_it(i32 noundef) local_unnamed_addr #1

; Function Attrs: nounwind uwtable
define dso_local i64 @pwait(ptr noundef %cancel, i32 noundef %inline_path, i64 noundef %fd) local_unnamed_addr #0 {
entry:
  %tobool.not = icmp eq i32 %inline_path, 0
  br i1 %tobool.not, label %cond.false, label %cond.true

cond.true:                                        ; preds = %entry
  %0 = tail call i64 asm sideeffect "syscall", "={ax},{ax},{di},~{rcx},~{r11},~{memory},~{dirflag},~{fpsr},~{flags}"(i64 281, i64 %fd) #2, !srcloc !5
  br label %cond.end

cond.false:                                       ; preds = %entry
  %call1 = tail call i64 @native_cp(ptr noundef %cancel, i64 noundef 281, i64 noundef %fd) #2
  br label %cond.end

cond.end:                                         ; preds = %cond.false, %cond.true
  %cond = phi i64 [ %0, %cond.true ], [ %call1, %cond.false ]
  %1 = and i64 %cond, 4294967295
  %cmp = icmp eq i64 %1, 4294967258
  br i1 %cmp, label %if.then, label %if.end

if.then:                                          ; preds = %cond.end
  %2 = tail call i64 asm sideeffect "syscall", "={ax},{ax},{di},~{rcx},~{r11},~{memory},~{dirflag},~{fpsr},~{flags}"(i64 232, i64 %fd) #2, !srcloc !5
  br label %if.end

if.end:                                           ; preds = %if.then, %cond.end
  %r.0 = phi i64 [ %2, %if.then ], [ %cond, %cond.end ]
  ret i64 %r.0
}

declare i64 @native_cp(ptr noundef, i64 noundef, i64 noundef) local_unnamed_addr #1

; Function Attrs: nounwind uwtable
define dso_local i64 @chain(i64 noundef %fd, i64 noundef %path) local_unnamed_addr #0 {
entry:
  %0 = tail call i64 asm sideeffect "syscall", "={ax},{ax},{di},{si},~{rcx},~{r11},~{memory},~{dirflag},~{fpsr},~{flags}"(i64 280, i64 %fd, i64 %path) #2, !srcloc !6
  %cmp = icmp ne i64 %0, -38
  %cmp1 = icmp eq i64 %path, 0
  %or.cond = or i1 %cmp1, %cmp
  br i1 %or.cond, label %cleanup, label %if.end

if.end:                                           ; preds = %entry
  %1 = tail call i64 asm sideeffect "syscall", "={ax},{ax},{di},{si},~{rcx},~{r11},~{memory},~{dirflag},~{fpsr},~{flags}"(i64 261, i64 %fd, i64 %path) #2, !srcloc !6
  %cmp3 = icmp ne i64 %1, -38
  %cmp5 = icmp ne i64 %fd, -100
  %or.cond9 = or i1 %cmp5, %cmp3
  br i1 %or.cond9, label %cleanup, label %if.end7

if.end7:                                          ; preds = %if.end
  %2 = tail call i64 asm sideeffect "syscall", "={ax},{ax},{di},~{rcx},~{r11},~{memory},~{dirflag},~{fpsr},~{flags}"(i64 235, i64 %path) #2, !srcloc !5
  br label %cleanup

cleanup:                                          ; preds = %if.end, %entry, %if.end7
  %retval.0 = phi i64 [ %2, %if.end7 ], [ %0, %entry ], [ %1, %if.end ]
  ret i64 %retval.0
}

; Function Attrs: nounwind uwtable
define dso_local i64 @switched(i64 noundef %a) local_unnamed_addr #0 {
entry:
  br label %for.cond

for.cond:                                         ; preds = %for.cond, %entry
  %0 = tail call i64 asm sideeffect "syscall", "={ax},{ax},{di},~{rcx},~{r11},~{memory},~{dirflag},~{fpsr},~{flags}"(i64 292, i64 %a) #2, !srcloc !5
  switch i64 %0, label %cleanup [
    i64 -16, label %for.cond
    i64 -38, label %sw.bb1
  ]

sw.bb1:                                           ; preds = %for.cond
  tail call void @log_it(i32 noundef 3) #2
  %1 = tail call i64 asm sideeffect "syscall", "={ax},{ax},{di},~{rcx},~{r11},~{memory},~{dirflag},~{fpsr},~{flags}"(i64 33, i64 %a) #2, !srcloc !5
  br label %cleanup

cleanup:                                          ; preds = %for.cond, %sw.bb1
  %retval.0 = phi i64 [ %1, %sw.bb1 ], [ %0, %for.cond ]
  ret i64 %retval.0
}

; Function Attrs: nounwind uwtable
define dso_local i64 @not_fallbacks(i64 noundef %a, i32 noundef %skip) local_unnamed_addr #0 {
entry:
  %tobool.not = icmp eq i32 %skip, 0
  br i1 %tobool.not, label %if.then, label %if.then1

if.then:                                          ; preds = %entry
  %0 = tail call i64 asm sideeffect "syscall", "={ax},{ax},{di},~{rcx},~{r11},~{memory},~{dirflag},~{fpsr},~{flags}"(i64 318, i64 %a) #2, !srcloc !5
  %1 = icmp eq i64 %0, -38
  br i1 %1, label %if.then1, label %if.end2

if.then1:                                         ; preds = %entry, %if.then
  tail call void @log_it(i32 noundef 1) #2
  br label %if.end2

if.end2:                                          ; preds = %if.then1, %if.then
  %2 = tail call i64 asm sideeffect "syscall", "={ax},{ax},{di},~{rcx},~{r11},~{memory},~{dirflag},~{fpsr},~{flags}"(i64 39, i64 %a) #2, !srcloc !5
  %cmp4 = icmp eq i64 %2, -37
  br i1 %cmp4, label %if.then5, label %if.end6

if.then5:                                         ; preds = %if.end2
  tail call void @log_it(i32 noundef 2) #2
  br label %if.end6

if.end6:                                          ; preds = %if.then5, %if.end2
  %3 = tail call i64 asm sideeffect "syscall", "={ax},{ax},{di},~{rcx},~{r11},~{memory},~{dirflag},~{fpsr},~{flags}"(i64 102, i64 %a) #2, !srcloc !5
  %cmp8 = icmp eq i64 %3, -38
  br i1 %cmp8, label %if.then9, label %if.end11

if.then9:                                         ; preds = %if.end6
  %4 = tail call i64 asm sideeffect "syscall", "={ax},{ax},{di},~{rcx},~{r11},~{memory},~{dirflag},~{fpsr},~{flags}"(i64 104, i64 %a) #2, !srcloc !5
  br label %if.end11

if.end11:                                         ; preds = %if.then9, %if.end6
  %a.addr.0 = phi i64 [ %4, %if.then9 ], [ %a, %if.end6 ]
  %conv = trunc i64 %a.addr.0 to i32
  tail call void @log_it(i32 noundef %conv) #2
  ret i64 %a.addr.0
}

attributes #0 = { nounwind uwtable "min-legal-vector-width"="0" "no-trapping-math"="true" "stack-protector-buffer-size"="8" "target-cpu"="x86-64" "target-features"="+cmov,+cx8,+fxsr,+mmx,+sse,+sse2,+x87" "tune-cpu"="generic" }
attributes #1 = { "no-trapping-math"="true" "stack-protector-buffer-size"="8" "target-cpu"="x86-64" "target-features"="+cmov,+cx8,+fxsr,+mmx,+sse,+sse2,+x87" "tune-cpu"="generic" }
attributes #2 = { nounwind }

!llvm.module.flags = !{!0, !1, !2, !3}
!llvm.ident = !{!4}

!0 = !{i32 1, !"wchar_size", i32 4}
!1 = !{i32 8, !"PIC Level", i32 2}
!2 = !{i32 7, !"PIE Level", i32 2}
!3 = !{i32 7, !"uwtable", i32 2}
!4 = !{!"Debian clang version 19.1.7 (3~deb12u1)"}
!5 = !{i64 288}
!6 = !{i64 456}
