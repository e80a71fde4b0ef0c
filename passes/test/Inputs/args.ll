; ModuleID = 'args.c'
source_filename = "args.c"
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-musl"

; Function Attrs: noinline nounwind uwtable
define dso_local i64 @wrapper(i64 noundef %n, i64 noundef %a, i64 noundef %b, i64 noundef %c) local_unnamed_addr #0 {
entry:
  %0 = tail call i64 asm sideeffect "syscall", "={ax},{ax},{di},{si},{dx},~{rcx},~{r11},~{memory},~{dirflag},~{fpsr},~{flags}"(i64 %n, i64 %a, i64 %b, i64 %c) #3, !srcloc !5
  ret i64 %0
}

; Function Attrs: noinline nounwind uwtable
define dso_local i64 @prot_of(i32 noundef %fd, i32 noundef %exec) local_unnamed_addr #0 {
entry:
  %conv = sext i32 %fd to i64
  %tobool.not = icmp eq i32 %exec, 0
  %cond = select i1 %tobool.not, i64 3, i64 5
  %0 = tail call i64 asm sideeffect "syscall", "={ax},{ax},{di},{si},{dx},~{rcx},~{r11},~{memory},~{dirflag},~{fpsr},~{flags}"(i64 10, i64 %conv, i64 4096, i64 %cond) #3, !srcloc !5
  ret i64 %0
}

; Function Attrs: noinline nounwind uwtable
define dso_local i64 @flags(i32 noundef %cloexec, i32 noundef %nonblock) local_unnamed_addr #0 {
entry:
  %tobool.not = icmp eq i32 %cloexec, 0
  %spec.select = select i1 %tobool.not, i32 1, i32 524289
  %tobool1.not = icmp eq i32 %nonblock, 0
  %or3 = or disjoint i32 %spec.select, 2048
  %type.1 = select i1 %tobool1.not, i32 %spec.select, i32 %or3
  %conv = zext nneg i32 %type.1 to i64
  %0 = tail call i64 asm sideeffect "syscall", "={ax},{ax},{di},{si},{dx},~{rcx},~{r11},~{memory},~{dirflag},~{fpsr},~{flags}"(i64 41, i64 1, i64 %conv, i64 0) #3, !srcloc !5
  ret i64 %0
}

; Function Attrs: mustprogress nocallback nofree nosync nounwind willreturn memory(argmem: readwrite)
declare void @llvm.lifetime.start.p0(i64 immarg, ptr nocapture) #1

; Function Attrs: mustprogress nocallback nofree nosync nounwind willreturn memory(argmem: readwrite)
declare void @llvm.lifetime.end.p0(i64 immarg, ptr nocapture) #1

; Function Attrs: noinline nounwind uwtable
define dso_local i64 @unknown(ptr nocapture noundef readonly %p) local_unnamed_addr #0 {
entry:
  %0 = load i64, ptr %p, align 8, !tbaa !6
  %1 = tail call i64 asm sideeffect "syscall", "={ax},{ax},{di},{si},{dx},~{rcx},~{r11},~{memory},~{dirflag},~{fpsr},~{flags}"(i64 16, i64 0, i64 %0, i64 0) #3, !srcloc !5
  ret i64 %1
}

; Function Attrs: noinline nounwind uwtable
define dso_local i64 @fancy(i64 noundef %fd) local_unnamed_addr #0 {
entry:
  %0 = tail call i64 asm sideeffect "mov $1, %rdi\0A\09syscall", "={ax},r,{ax},~{rdi},~{rcx},~{r11},~{memory},~{dirflag},~{fpsr},~{flags}"(i64 %fd, i64 3) #3, !srcloc !10
  ret i64 %0
}

; Function Attrs: nounwind uwtable
define dso_local i32 @main(i32 noundef %argc, ptr nocapture noundef readonly %argv) local_unnamed_addr #2 {
entry:
  %p = alloca i64, align 8
  call void @llvm.lifetime.start.p0(i64 8, ptr nonnull %p) #3
  %conv = sext i32 %argc to i64
  store i64 %conv, ptr %p, align 8, !tbaa !6
  %call = tail call i64 @wrapper(i64 noundef 72, i64 noundef 0, i64 noundef 1, i64 noundef 0)
  %cmp = icmp sgt i32 %argc, 2
  %conv1 = zext i1 %cmp to i32
  %call2 = tail call i64 @prot_of(i32 noundef %argc, i32 noundef %conv1)
  %add = add nsw i64 %call2, %call
  %cmp3 = icmp sgt i32 %argc, 1
  %conv4 = zext i1 %cmp3 to i32
  %cmp5 = icmp sgt i32 %argc, 3
  %conv6 = zext i1 %cmp5 to i32
  %call7 = tail call i64 @flags(i32 noundef %conv4, i32 noundef %conv6)
  %add8 = add nsw i64 %add, %call7
  %call9 = call i64 @unknown(ptr noundef nonnull %p)
  %add10 = add nsw i64 %add8, %call9
  %call12 = tail call i64 @fancy(i64 noundef %conv)
  %add13 = add nsw i64 %add10, %call12
  %0 = load ptr, ptr %argv, align 8, !tbaa !11
  %1 = load i8, ptr %0, align 1, !tbaa !13
  %conv15 = sext i8 %1 to i64
  %add16 = add nsw i64 %add13, %conv15
  %conv17 = trunc i64 %add16 to i32
  call void @llvm.lifetime.end.p0(i64 8, ptr nonnull %p) #3
  ret i32 %conv17
}

attributes #0 = { noinline nounwind uwtable "min-legal-vector-width"="0" "no-trapping-math"="true" "stack-protector-buffer-size"="8" "target-cpu"="x86-64" "target-features"="+cmov,+cx8,+fxsr,+mmx,+sse,+sse2,+x87" "tune-cpu"="generic" }
attributes #1 = { mustprogress nocallback nofree nosync nounwind willreturn memory(argmem: readwrite) }
attributes #2 = { nounwind uwtable "min-legal-vector-width"="0" "no-trapping-math"="true" "stack-protector-buffer-size"="8" "target-cpu"="x86-64" "target-features"="+cmov,+cx8,+fxsr,+mmx,+sse,+sse2,+x87" "tune-cpu"="generic" }
attributes #3 = { nounwind }

!llvm.module.flags = !{!0, !1, !2, !3}
!llvm.ident = !{!4}

!0 = !{i32 1, !"wchar_size", i32 4}
!1 = !{i32 8, !"PIC Level", i32 2}
!2 = !{i32 7, !"PIE Level", i32 2}
!3 = !{i32 7, !"uwtable", i32 2}
!4 = !{!"Debian clang version 19.1.7 (3~deb12u1)"}
!5 = !{i64 356}
!6 = !{!7, !7, i64 0}
!7 = !{!"long", !8, i64 0}
!8 = !{!"omnipotent char", !9, i64 0}
!9 = !{!"Simple C/C++ TBAA"}
!10 = !{i64 1104, i64 1120}
!11 = !{!12, !12, i64 0}
!12 = !{!"any pointer", !8, i64 0}
!13 = !{!8, !8, i64 0}
