; ModuleID = 'exec.c'
source_filename = "exec.c"
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-musl"

@.str = private unnamed_addr constant [6 x i8] c"SHELL\00", align 1
@.str.1 = private unnamed_addr constant [13 x i8] c"/usr/bin/env\00", align 1
@environ = external local_unnamed_addr global ptr, align 8
@.str.2 = private unnamed_addr constant [15 x i8] c"/proc/self/exe\00", align 1
@.str.3 = private unnamed_addr constant [10 x i8] c"/bin/true\00", align 1
@.str.4 = private unnamed_addr constant [5 x i8] c"true\00", align 1

; Function Attrs: nofree nounwind uwtable
define dso_local i32 @from_environment() local_unnamed_addr #0 {
entry:
  %args = alloca [2 x ptr], align 16
  %call = tail call ptr @getenv(ptr noundef nonnull @.str)
  call void @llvm.lifetime.start.p0(i64 16, ptr nonnull %args) #6
  store ptr %call, ptr %args, align 16, !tbaa !5
  %arrayinit.element = getelementptr inbounds i8, ptr %args, i64 8
  store ptr null, ptr %arrayinit.element, align 8, !tbaa !5
  %call1 = call i32 @execv(ptr noundef %call, ptr noundef nonnull %args) #6
  call void @llvm.lifetime.end.p0(i64 16, ptr nonnull %args) #6
  ret i32 %call1
}

; Function Attrs: mustprogress nocallback nofree nosync nounwind willreturn memory(argmem: readwrite)
declare void @llvm.lifetime.start.p0(i64 immarg, ptr nocapture) #1

; Function Attrs: nofree nounwind memory(read)
declare noundef ptr @getenv(ptr nocapture noundef) local_unnamed_addr #2

; Function Attrs: nofree
declare i32 @execv(ptr noundef, ptr noundef) local_unnamed_addr #3

; Function Attrs: mustprogress nocallback nofree nosync nounwind willreturn memory(argmem: readwrite)
declare void @llvm.lifetime.end.p0(i64 immarg, ptr nocapture) #1

; Function Attrs: nofree nounwind uwtable
define dso_local noundef i32 @a_command_line(ptr nocapture noundef readonly %line) local_unnamed_addr #0 {
entry:
  %call = tail call i32 @system(ptr noundef %line) #6
  ret i32 %call
}

; Function Attrs: nofree
declare noundef i32 @system(ptr nocapture noundef readonly) local_unnamed_addr #3

; Function Attrs: nounwind uwtable
define dso_local i32 @spawned(ptr noundef %pid, ptr noundef %argv) local_unnamed_addr #4 {
entry:
  %0 = load ptr, ptr @environ, align 8, !tbaa !5
  %call = tail call i32 @posix_spawn(ptr noundef %pid, ptr noundef nonnull @.str.1, ptr noundef null, ptr noundef null, ptr noundef %argv, ptr noundef %0) #6
  ret i32 %call
}

declare i32 @posix_spawn(ptr noundef, ptr noundef, ptr noundef, ptr noundef, ptr noundef, ptr noundef) local_unnamed_addr #5

; Function Attrs: nounwind uwtable
define dso_local i32 @itself(ptr noundef %argv) local_unnamed_addr #4 {
entry:
  %0 = load ptr, ptr @environ, align 8, !tbaa !5
  %1 = tail call i64 asm sideeffect "syscall", "={ax},{ax},{di},{si},{dx},~{rcx},~{r11},~{memory},~{dirflag},~{fpsr},~{flags}"(i64 59, ptr nonnull @.str.2, ptr %argv, ptr %0) #6, !srcloc !9
  %conv = trunc i64 %1 to i32
  ret i32 %conv
}

; Function Attrs: nofree nounwind uwtable
define dso_local i32 @main(i32 noundef %argc, ptr noundef %argv) local_unnamed_addr #0 {
entry:
  %args.i = alloca [2 x ptr], align 16
  %cmp = icmp sgt i32 %argc, 2
  br i1 %cmp, label %if.then, label %if.end

if.then:                                          ; preds = %entry
  %arrayidx = getelementptr inbounds i8, ptr %argv, i64 8
  %0 = load ptr, ptr %arrayidx, align 8, !tbaa !5
  %call = tail call i32 @execvp(ptr noundef %0, ptr noundef nonnull %arrayidx) #6
  br label %return

if.end:                                           ; preds = %entry
  %cmp1 = icmp eq i32 %argc, 2
  br i1 %cmp1, label %if.then2, label %if.end4

if.then2:                                         ; preds = %if.end
  %call3 = tail call i32 (ptr, ptr, ...) @execl(ptr noundef nonnull @.str.3, ptr noundef nonnull @.str.4, ptr noundef null) #6
  br label %return

if.end4:                                          ; preds = %if.end
  %call.i = tail call ptr @getenv(ptr noundef nonnull @.str)
  call void @llvm.lifetime.start.p0(i64 16, ptr nonnull %args.i) #6
  store ptr %call.i, ptr %args.i, align 16, !tbaa !5
  %arrayinit.element.i = getelementptr inbounds i8, ptr %args.i, i64 8
  store ptr null, ptr %arrayinit.element.i, align 8, !tbaa !5
  %call1.i = call i32 @execv(ptr noundef %call.i, ptr noundef nonnull %args.i) #6
  call void @llvm.lifetime.end.p0(i64 16, ptr nonnull %args.i) #6
  %1 = load ptr, ptr %argv, align 8, !tbaa !5
  %call.i11 = call noundef i32 @system(ptr noundef readonly %1) #6
  %add = add nsw i32 %call.i11, %call1.i
  br label %return

return:                                           ; preds = %if.end4, %if.then2, %if.then
  %retval.0 = phi i32 [ %call, %if.then ], [ %call3, %if.then2 ], [ %add, %if.end4 ]
  ret i32 %retval.0
}

; Function Attrs: nofree
declare i32 @execvp(ptr noundef, ptr noundef) local_unnamed_addr #3

; Function Attrs: nofree
declare i32 @execl(ptr noundef, ptr noundef, ...) local_unnamed_addr #3

attributes #0 = { nofree nounwind uwtable "min-legal-vector-width"="0" "no-trapping-math"="true" "stack-protector-buffer-size"="8" "target-cpu"="x86-64" "target-features"="+cmov,+cx8,+fxsr,+mmx,+sse,+sse2,+x87" "tune-cpu"="generic" }
attributes #1 = { mustprogress nocallback nofree nosync nounwind willreturn memory(argmem: readwrite) }
attributes #2 = { nofree nounwind memory(read) "no-trapping-math"="true" "stack-protector-buffer-size"="8" "target-cpu"="x86-64" "target-features"="+cmov,+cx8,+fxsr,+mmx,+sse,+sse2,+x87" "tune-cpu"="generic" }
attributes #3 = { nofree "no-trapping-math"="true" "stack-protector-buffer-size"="8" "target-cpu"="x86-64" "target-features"="+cmov,+cx8,+fxsr,+mmx,+sse,+sse2,+x87" "tune-cpu"="generic" }
attributes #4 = { nounwind uwtable "min-legal-vector-width"="0" "no-trapping-math"="true" "stack-protector-buffer-size"="8" "target-cpu"="x86-64" "target-features"="+cmov,+cx8,+fxsr,+mmx,+sse,+sse2,+x87" "tune-cpu"="generic" }
attributes #5 = { "no-trapping-math"="true" "stack-protector-buffer-size"="8" "target-cpu"="x86-64" "target-features"="+cmov,+cx8,+fxsr,+mmx,+sse,+sse2,+x87" "tune-cpu"="generic" }
attributes #6 = { nounwind }

!llvm.module.flags = !{!0, !1, !2, !3}
!llvm.ident = !{!4}

!0 = !{i32 1, !"wchar_size", i32 4}
!1 = !{i32 8, !"PIC Level", i32 2}
!2 = !{i32 7, !"PIE Level", i32 2}
!3 = !{i32 7, !"uwtable", i32 2}
!4 = !{!"Debian clang version 19.1.7 (3~deb12u1)"}
!5 = !{!6, !6, i64 0}
!6 = !{!"any pointer", !7, i64 0}
!7 = !{!"omnipotent char", !8, i64 0}
!8 = !{!"Simple C/C++ TBAA"}
!9 = !{i64 631}
